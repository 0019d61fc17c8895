package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSettings(t *testing.T) {
	name := func(s Setting) string {
		return map[Setting]string{SettingJSONFields: "JF", SettingAccessIntUnit: "AIU", SettingAccessSource: "AS", SettingRoutesFile: "RF"}[s]
	}
	routes := filepath.Join(t.TempDir(), "routes.txt")
	os.WriteFile(routes, []byte("/invoices/<int:pk>/pdf\n"), 0o644)
	cfg, err := Settings{Slow: 500 * time.Millisecond, RoutesFile: routes, AccessSource: "gunicorn", AccessIntUnit: "s", JSONFields: "path=p"}.Config(name)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SlowUS != 500_000 || cfg.Routes.Len() != 1 || !cfg.Parse.AccessSourceSet || cfg.Parse.AccessIntUnitUS != 1e6 {
		t.Errorf("config %+v", cfg)
	}
	for _, tt := range []struct {
		s    Settings
		want string
	}{
		{Settings{JSONFields: "nope=x"}, "JF:"},
		{Settings{AccessIntUnit: "h"}, "AIU:"},
		{Settings{AccessSource: "apache"}, "AS:"},
		{Settings{RoutesFile: routes + ".missing"}, "RF:"},
	} {
		if _, err := tt.s.Config(name); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want it to start with %q", tt.s, err, tt.want)
		}
	}
}
