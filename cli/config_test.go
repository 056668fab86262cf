package cli

import (
	"net/netip"
	"strings"
	"testing"
)

func TestTrustedProxiesAreReadFromTheEnvironment(t *testing.T) {
	t.Setenv("FIELDCHECK_TRUSTED_PROXIES", " 10.0.0.0/8, 192.168.1.4 ,::ffff:172.16.0.0/108,fd00::/8")
	cfg, err := configFromEnv(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.4/32"),
		netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("fd00::/8")}
	if len(cfg.TrustedProxies) != len(want) {
		t.Fatalf("got %v, want %v", cfg.TrustedProxies, want)
	}
	for i := range want {
		if cfg.TrustedProxies[i] != want[i] {
			t.Fatalf("got %v, want %v", cfg.TrustedProxies, want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.local", "10.0.0.1/8/2"} {
		t.Setenv("FIELDCHECK_TRUSTED_PROXIES", bad)
		if _, err := configFromEnv(t.TempDir()); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The photo memory bounds can be set from the environment, and nonsense is
// refused with the variable named.
func TestPhotoMemorySettingsFromEnv(t *testing.T) {
	t.Setenv("FIELDCHECK_PHOTO_DECODE_BUDGET", "100000000")
	t.Setenv("FIELDCHECK_PHOTO_DECODE_MAX", "50000000")
	t.Setenv("FIELDCHECK_PHOTO_UPLOADS", "8")
	t.Setenv("FIELDCHECK_PHOTO_UPLOADS_PER_USER", "2")
	cfg, err := configFromEnv(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PhotoDecodeBudget != 100000000 || cfg.PhotoDecodeMax != 50000000 || cfg.PhotoUploads != 8 || cfg.PhotoUploadsPerUser != 2 {
		t.Errorf("config %+v", cfg)
	}
	t.Setenv("FIELDCHECK_PHOTO_UPLOADS", "many")
	if _, err := configFromEnv(t.TempDir()); err == nil || !strings.Contains(err.Error(), "FIELDCHECK_PHOTO_UPLOADS") {
		t.Errorf("err = %v", err)
	}
}
