package jsonscan

import "testing"

func TestObject(t *testing.T) {
	// A real nginx escape=json line (testdata/captures/nginx-access.json), cut short.
	line := []byte(`{"msec":1795390233.674,"request_uri":"/graphql","status":200,"request_body":"{\"operationName\":\"GetInvoice\",\"v\":{\"id\":\"40\"}}","nested":{"a":[1,"]",{"b":"}"}]},"last":null}`)
	var (
		o Object
		m Member
	)
	if !o.Start(line) {
		t.Fatal("not an object")
	}
	got := map[string]string{}
	for {
		more, err := o.Next(&m)
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			break
		}
		v := m.Raw
		if m.Escaped {
			v = AppendUnescaped(nil, v)
		}
		got[string(m.Key)] = string(v)
	}
	want := map[string]string{
		"msec": "1795390233.674", "request_uri": "/graphql", "status": "200",
		"request_body": `{"operationName":"GetInvoice","v":{"id":"40"}}`,
		"nested":       `{"a":[1,"]",{"b":"}"}]}`, "last": "null",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d members, want %d", len(got), len(want))
	}
	for _, bad := range []string{`{"a":`, `{"a" 1}`, `{"a":"x}`, `{"a":[1,2}`, `{a:1}`} {
		o.Start([]byte(bad))
		var err error
		for more := true; more && err == nil; {
			more, err = o.Next(&m)
		}
		if err == nil {
			t.Errorf("%s scanned without error", bad)
		}
	}
}

func TestStringEndAndUnescape(t *testing.T) {
	b := []byte(`"a\\\"b\\" tail`)
	end, esc, ok := StringEnd(b, 1)
	if !ok || !esc || string(b[1:end]) != `a\\\"b\\` {
		t.Fatalf("StringEnd = %d %v %v", end, esc, ok)
	}
	if got := string(AppendUnescaped(nil, b[1:end])); got != `a\"b\` {
		t.Errorf("unescaped %q", got)
	}
	if got := string(AppendUnescaped(nil, []byte(`\u00e9\ud83d\ude00\x\n`))); got != "é😀\\x\n" {
		t.Errorf("unicode escapes: %q", got)
	}
}
