package cli

import (
	"strings"
	"testing"
)

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
