package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/server"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

const usage = `fieldcheck — offline-first field inspection server

Usage:
  fieldcheck serve [--addr :8080] [--data ./data] [--demo]
  fieldcheck user add --data DIR --username U --role R [--name N] [--unit X]   (password: first line of stdin)
  fieldcheck backup --data DIR --out FILE.tar   (written 0600; holds no signing key)
  fieldcheck restore --data EMPTY_DIR --in FILE.tar
  fieldcheck keys rotate --data DIR   (new token signing key; also while the server runs)

Environment: FIELDCHECK_ADDR, FIELDCHECK_DATA, FIELDCHECK_METRICS_OPEN=1,
FIELDCHECK_SMS_WAIT (e.g. 4h), FIELDCHECK_SMS_WEBHOOK, FIELDCHECK_PUBLIC_URL,
FIELDCHECK_JWT_KEY, FIELDCHECK_PHOTO_MAX_BYTES, FIELDCHECK_PHOTO_MAX_PIXELS.
`

// Run executes the command line and returns the process exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(args[1:], stdout, stderr)
	case "user":
		if len(args) < 2 || args[1] != "add" {
			fmt.Fprint(stderr, usage)
			return 2
		}
		err = userAdd(args[2:], stdin, stdout)
	case "backup":
		err = backup(args[1:], stdout)
	case "restore":
		err = restore(args[1:], stdout)
	case "keys":
		if len(args) < 2 || args[1] != "rotate" {
			fmt.Fprint(stderr, usage)
			return 2
		}
		err = keysRotate(args[2:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "fieldcheck: %v\n", err)
			return 2
		}
		fmt.Fprintf(stderr, "fieldcheck: %v\n", err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func serve(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", env("FIELDCHECK_ADDR", ":8080"), "listen address")
	data := fs.String("data", env("FIELDCHECK_DATA", "./data"), "data directory")
	demo := fs.Bool("demo", false, "load the demo organisation and print its logins")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	cfg, err := configFromEnv(*data)
	if err != nil {
		return usageError{err.Error()}
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg.Logger = logger

	db, err := store.Open(*data)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	tplSince := now
	if *demo {
		// The demo's history uses the built-in templates from its first day.
		tplSince = HistoryStart(now).Add(-time.Hour)
	}
	if err := checklists.EnsureBuiltins(db, tplSince); err != nil {
		return fmt.Errorf("load built-in templates: %w", err)
	}
	adminPW, err := auth.EnsureAdmin(db, now)
	if err != nil {
		return fmt.Errorf("create admin: %w", err)
	}
	if adminPW != "" && !*demo {
		fmt.Fprintf(stdout, "created user admin with password: %s  (shown once; change it after logging in)\n", adminPW)
	}
	srv, err := server.New(db, cfg)
	if err != nil {
		return err
	}
	if *demo {
		logins, err := LoadDemo(db, adminPW, now)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		for _, l := range logins {
			fmt.Fprintf(stdout, "demo login: %s %s %s\n", l.Role, l.Username, l.Password)
		}
	}
	ctl, err := startControl(db, srv.Tokens, *data, logger)
	if err != nil {
		logger.Warn("control socket unavailable; `fieldcheck backup` needs the server stopped", "err", err)
	} else {
		defer ctl.Close()
	}

	if path := os.Getenv("FIELDCHECK_CPUPROFILE"); path != "" {
		// For `make bench` investigations: a CPU profile of the whole run.
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Listen(*addr) }()
	fmt.Fprintf(stdout, "fieldcheck listening on %s (data %s)\n", displayAddr(*addr), *data)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	if err := srv.Shutdown(15 * time.Second); err != nil {
		logger.Error("shutdown", "err", err)
	}
	return nil
}

func displayAddr(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "http://localhost" + addr
	}
	return "http://" + addr
}

func userAdd(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	data := fs.String("data", env("FIELDCHECK_DATA", "./data"), "data directory")
	username := fs.String("username", "", "username")
	role := fs.String("role", "", "role: technician, inspector, agent, supervisor, admin")
	name := fs.String("name", "", "display name")
	unit := fs.String("unit", "", "unit (branch or agency)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *username == "" || *role == "" {
		return usageError{"user add needs --username and --role"}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	in := auth.NewUser{Username: *username, Password: strings.TrimSpace(line), Name: *name, Role: *role, Unit: *unit}
	db, err := store.Open(*data)
	if errors.Is(err, store.ErrLocked) {
		if err := controlAddUser(*data, in); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s (%s) through the running server\n", in.Username, in.Role)
		return nil
	}
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	if err := in.HashPassword(); err != nil {
		return err
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		u, err := auth.CreateUser(tx, in, nil, now)
		if err != nil {
			return err
		}
		return store.Audit(tx, now, store.Actor{Username: "cli"}, "user.create", "user/"+u.Username, "role="+u.Role)
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s (%s)\n", in.Username, in.Role)
	return nil
}

func backup(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	data := fs.String("data", env("FIELDCHECK_DATA", "./data"), "data directory")
	out := fs.String("out", "", "output tar file")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *out == "" {
		return usageError{"backup needs --out FILE.tar"}
	}
	// 0600: the archive holds every user's data (no signing key, though:
	// that lives outside the db file, auth/keys.go).
	tmp := *out + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil { // a .part left from before may have other bits
		f.Close()
		return err
	}
	// A running server holds the bbolt lock; ask it over its control socket.
	werr := controlBackup(*data, f)
	if errors.Is(werr, errNoControl) {
		var db *store.DB
		db, werr = store.Open(*data)
		if werr == nil {
			werr = db.WriteBackup(f)
			db.Close()
		}
	}
	if werr != nil {
		f.Close()
		return werr
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	st, _ := os.Stat(*out)
	fmt.Fprintf(stdout, "backup written to %s (%d bytes)\n", *out, st.Size())
	return nil
}

func restore(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	data := fs.String("data", "", "empty data directory to restore into")
	in := fs.String("in", "", "backup tar file")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *data == "" || *in == "" {
		return usageError{"restore needs --data EMPTY_DIR and --in FILE.tar"}
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := store.Restore(*data, f); err != nil {
		return err
	}
	db, err := store.Open(*data)
	if err != nil {
		return fmt.Errorf("restored files do not open: %w", err)
	}
	db.Close()
	fmt.Fprintf(stdout, "restored %s into %s (sessions are not restored: everyone signs in again; the server makes a new signing key)\n", *in, filepath.Clean(*data))
	return nil
}

// keysRotate replaces the token signing key: through the running server's
// control socket when it holds the store, else in the data dir directly.
// Tokens signed with the old key stay valid for one access-token lifetime.
func keysRotate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	data := fs.String("data", env("FIELDCHECK_DATA", "./data"), "data directory")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if os.Getenv("FIELDCHECK_JWT_KEY") != "" {
		return auth.ErrKeyFromEnv
	}
	db, err := store.Open(*data)
	if errors.Is(err, store.ErrLocked) {
		kid, err := controlRotateKey(*data)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "signing key rotated by the running server (new key id %s); tokens signed with the old key stay valid for %s\n", kid, auth.AccessTTL)
		return nil
	}
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	kid, err := auth.RotateStoredKey(db, now)
	if err != nil {
		return err
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return store.Audit(tx, now, store.Actor{Username: "cli"}, "keys.rotate", "key/"+kid, "")
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signing key rotated (new key id %s); tokens signed with the old key stay valid for %s\n", kid, auth.AccessTTL)
	return nil
}
