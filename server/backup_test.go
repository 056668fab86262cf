package server

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"fieldcheck/auth"
)

// The admin's backup download holds the db and photos with 0600 entries, and
// neither the signing key nor its file.
func TestBackupDownloadHoldsNoSigningKey(t *testing.T) {
	env := newTestEnv(t)
	res := env.call(t, "GET", "/api/v1/admin/backup", env.token(t, "admin"), nil)
	if res.Status != 200 {
		t.Fatalf("backup: %d %.200s", res.Status, res.Body)
	}
	raw, err := os.ReadFile(filepath.Join(env.dir, auth.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	var keys struct {
		Current struct {
			Secret []byte `json:"secret"`
		} `json:"current"`
	}
	if err := json.Unmarshal(raw, &keys); err != nil || len(keys.Current.Secret) < 32 {
		t.Fatalf("key file: %v", err)
	}
	for _, form := range [][]byte{keys.Current.Secret, []byte(base64.StdEncoding.EncodeToString(keys.Current.Secret))} {
		if bytes.Contains(res.Body, form) {
			t.Fatal("the backup download holds the signing key")
		}
	}
	tr := tar.NewReader(bytes.NewReader(res.Body))
	n := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if h.Mode&0o777 != 0o600 || h.Name == auth.KeyFile {
			t.Errorf("entry %s mode %o", h.Name, h.Mode)
		}
	}
	if n == 0 {
		t.Fatal("empty backup")
	}
}
