package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The control socket lets `fieldcheck backup`, `user add` and `keys rotate` reach a running
// server, which holds bbolt's exclusive file lock. It is a unix socket inside
// the data directory, so whoever may read the data may use it — no more.
const controlName = "fieldcheck.sock"

var errNoControl = errors.New("no running server")

type control struct {
	srv  *http.Server
	path string
}

func (c *control) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.srv.Shutdown(ctx)
	os.Remove(c.path)
	return err
}

func startControl(db *store.DB, tokens *auth.Tokens, dir string, log *slog.Logger) (*control, error) {
	path := filepath.Join(dir, controlName)
	os.Remove(path) // a stale socket from a killed server; we hold the db lock, so no other server runs
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-tar")
		if err := db.WriteBackup(w); err != nil {
			log.Error("control backup", "err", err)
		}
	})
	mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		var in auth.NewUser
		if err := json.NewDecoder(io.LimitReader(r.Body, 8<<10)).Decode(&in); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		now := time.Now()
		if err := in.HashPassword(); err != nil { // bcrypt before the write lock
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		err := db.Update(func(tx *bolt.Tx) error {
			u, err := auth.CreateUser(tx, in, nil, now)
			if err != nil {
				return err
			}
			return store.Audit(tx, now, store.Actor{Username: "cli"}, "user.create", "user/"+u.Username, "role="+u.Role)
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("POST /keys/rotate", func(w http.ResponseWriter, r *http.Request) {
		kid, err := tokens.RotateKey()
		if errors.Is(err, auth.ErrKeyFromEnv) {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		if err != nil {
			log.Error("control key rotation", "err", err)
			http.Error(w, "rotation failed: "+err.Error(), http.StatusInternalServerError)
			return
		}
		log.Info("signing key rotated", "kid", kid)
		if err := db.Update(func(tx *bolt.Tx) error {
			return store.Audit(tx, time.Now(), store.Actor{Username: "cli"}, "keys.rotate", "key/"+kid, "")
		}); err != nil {
			log.Error("audit key rotation", "err", err)
		}
		io.WriteString(w, kid)
	})
	c := &control{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, path: path}
	go c.srv.Serve(ln)
	return c, nil
}

func controlClient(dir string) (*http.Client, error) {
	path := filepath.Join(dir, controlName)
	if _, err := os.Stat(path); err != nil {
		return nil, errNoControl
	}
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, "unix", path)
	}}}, nil
}

func controlBackup(dir string, w io.Writer) error {
	cl, err := controlClient(dir)
	if err != nil {
		return err
	}
	resp, err := cl.Get("http://fieldcheck/backup")
	if err != nil {
		return errNoControl // stale socket: nobody listening
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("backup through the running server failed: %s", resp.Status)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

func controlAddUser(dir string, in auth.NewUser) error {
	cl, err := controlClient(dir)
	if err != nil {
		return fmt.Errorf("%w; is another process holding %s?", store.ErrLocked, filepath.Join(dir, store.FileName))
	}
	body, _ := json.Marshal(in)
	resp, err := cl.Post("http://fieldcheck/users", "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w (and its control socket does not answer)", store.ErrLocked)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return errs.New(errs.Invalid, "user_add_failed", string(bytes.TrimSpace(msg)), string(bytes.TrimSpace(msg)))
	}
	return nil
}

func controlRotateKey(dir string) (string, error) {
	cl, err := controlClient(dir)
	if err != nil {
		return "", fmt.Errorf("%w; is another process holding %s?", store.ErrLocked, filepath.Join(dir, store.FileName))
	}
	resp, err := cl.Post("http://fieldcheck/keys/rotate", "text/plain", nil)
	if err != nil {
		return "", fmt.Errorf("%w (and its control socket does not answer)", store.ErrLocked)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return "", errors.New(string(bytes.TrimSpace(msg)))
	}
	return string(bytes.TrimSpace(msg)), nil
}
