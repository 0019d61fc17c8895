package tag

import (
	"strings"
	"testing"
)

func TestMake(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tc := range []struct{ k, v, want string }{
		{"log_group", "/aws/lambda/x", "log_group:/aws/lambda/x"},
		{"log_group", "/a|b,c#d e\nf", "log_group:/a_b_c_d_e_f"},
		{"team", "Équipe☃", "team:_quipe_"},
		{"env", "prod|#a:b,c@d", "env:prod__a:b_c_d"},
		{"env", "\xff\xfe", "env:__"},
		{"route", long, "route:" + long[:MaxLen-len("route:")]},
		{"route", "", "route:"},
	} {
		got := Make(tc.k, tc.v)
		if got != tc.want {
			t.Errorf("Make(%q, %q) = %q, want %q", tc.k, tc.v, got, tc.want)
		}
		if tc.v != "" && !Valid(got) {
			t.Errorf("Make(%q, %q) = %q is not valid", tc.k, tc.v, got)
		}
	}
}

func TestValid(t *testing.T) {
	for _, s := range []string{"a", "team:web", "route:/invoices/:id/pdf", "x-y_z.w/v:1"} {
		if !Valid(s) {
			t.Errorf("Valid(%q) = false", s)
		}
	}
	for _, s := range []string{"", "1a", "_x", "a b", "a|b", "a,b", "a#b", "a\nb", strings.Repeat("a", MaxLen+1)} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true", s)
		}
	}
	for _, k := range []string{"team", "cost_center", "a.b/c-d"} {
		if !ValidKey(k) {
			t.Errorf("ValidKey(%q) = false", k)
		}
	}
	for _, k := range []string{"", "Team", "1x", "a|b", "a:b", strings.Repeat("a", MaxKeyLen+1)} {
		if ValidKey(k) {
			t.Errorf("ValidKey(%q) = true", k)
		}
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{"team:web": "team:web", " tier:1 ": "tier:1", "a b|c,d": "a_b_c_d", "café": "caf_"} {
		if got, err := Sanitize(in); err != nil || got != want {
			t.Errorf("Sanitize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1abc", ":x", strings.Repeat("a", 201)} {
		if _, err := Sanitize(in); err == nil {
			t.Errorf("Sanitize(%q): no error", in)
		}
	}
}

func FuzzMake(f *testing.F) {
	f.Add("log_group", "/aws/x|y")
	f.Add("team", "Équipe☃")
	f.Add("route", "")
	f.Fuzz(func(t *testing.T, k, v string) {
		if !ValidKey(k) || v == "" {
			return
		}
		got := Make(k, v)
		if !Valid(got) || !strings.HasPrefix(got, k+":") {
			t.Fatalf("Make(%q, %q) = %q is not a valid tag of that key", k, v, got)
		}
	})
}
