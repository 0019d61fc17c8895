package loggrouptags

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slowroutes/slowroutes/internal/tag"
)

func TestTag(t *testing.T) {
	long := strings.Repeat("a", 300)
	cases := []struct {
		name, key, value, want string
	}{
		{"plain", "service", "checkout", "service:checkout"},
		{"uppercase", "team", "Payments", "team:payments"},
		{"allowed punctuation", "service", "shop-web_v2.1/eu:blue", "service:shop-web_v2.1/eu:blue"},
		{"space", "team", "Data Platform", "team:data_platform"},
		{"DogStatsD syntax", "env", "prod|#a:b,c@d", "env:prod__a:b_c_d"},
		{"newline", "env", "prod\nstaging\r", "env:prod_staging_"},
		{"unicode", "team", "Équipe☃", "team:_quipe_"},
		{"empty", "env", "", ""},
		{"long", "service", long, "service:" + long[:tag.MaxLen-len("service:")]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Tag(c.key, c.value)
			if got != c.want {
				t.Errorf("Tag(%q, %q) = %q, want %q", c.key, c.value, got, c.want)
			}
			if len(got) > tag.MaxLen || strings.ContainsAny(got, "|#,\n\r @") {
				t.Errorf("Tag(%q, %q) = %q is not a valid DogStatsD tag", c.key, c.value, got)
			}
		})
	}
}

func FuzzTag(f *testing.F) {
	for _, s := range []string{"checkout", "Data Platform", "prod|#a:b,c", "Équipe☃", strings.Repeat("x", 300), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		got := Tag("team", value)
		if value == "" {
			if got != "" {
				t.Fatalf("Tag of an empty value = %q", got)
			}
			return
		}
		if !strings.HasPrefix(got, "team:") || len(got) > tag.MaxLen {
			t.Fatalf("Tag(%q) = %q", value, got)
		}
		for _, c := range []byte(got[len("team:"):]) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '/' || c == '-') {
				t.Fatalf("Tag(%q) = %q holds %q", value, got, c)
			}
		}
	})
}

func TestParseKeys(t *testing.T) {
	got, err := ParseKeys(" service, Team ,CostCenter=cost_center,Environment=env,")
	if err != nil {
		t.Fatal(err)
	}
	want := []Key{{"service", "service"}, {"Team", "team"}, {"CostCenter", "cost_center"}, {"Environment", "env"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseKeys (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", ",", "team=Team", "team=1x", "=env", "team=a|b", "x=" + strings.Repeat("a", 150)} {
		if _, err := ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q) accepted it", bad)
		}
	}
}
