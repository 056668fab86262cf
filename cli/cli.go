package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"fieldcheck/auth"
	"fieldcheck/backups"
	"fieldcheck/checklists"
	"fieldcheck/photos"
	"fieldcheck/server"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

const usage = `fieldcheck — offline-first field inspection server

Usage:
  fieldcheck serve [--addr :8080] [--data ./data] [--demo]
                  [--tls-cert FILE --tls-key FILE] [--http-redirect-addr :80]
  fieldcheck version
  fieldcheck user add --data DIR --username U --role R [--name N] [--unit X]   (password: first line of stdin)
  fieldcheck backup --data DIR --out FILE.tar   (written 0600; holds no signing key)
  fieldcheck restore --data EMPTY_DIR (--in FILE.tar | --from-s3 latest|NAME)
  fieldcheck photos migrate --to s3 [--data DIR]    (resumable; each photo verified before the local copy goes)
  fieldcheck keys rotate --data DIR   (new token signing key; also while the server runs)
  fieldcheck rollups verify|rebuild --data DIR   (report figures against the records; server stopped)

Environment: FIELDCHECK_ADDR, FIELDCHECK_DATA, FIELDCHECK_METRICS_OPEN=1,
FIELDCHECK_SMS_WAIT (e.g. 4h), FIELDCHECK_SMS_WEBHOOK, FIELDCHECK_PUBLIC_URL,
FIELDCHECK_JWT_KEY, FIELDCHECK_PHOTO_MAX_BYTES, FIELDCHECK_PHOTO_MAX_PIXELS,
FIELDCHECK_TRUSTED_PROXIES (CIDRs whose X-Forwarded-For is believed),
FIELDCHECK_TLS_CERT, FIELDCHECK_TLS_KEY, FIELDCHECK_HTTP_REDIRECT_ADDR,
FIELDCHECK_LOG_LEVEL (debug|info|warn|error), FIELDCHECK_SHUTDOWN_TIMEOUT (e.g. 15s),
FIELDCHECK_WARM (all|branches|off: read the store into the page cache after start).
SIGHUP reloads the TLS certificate; SIGTERM finishes in-flight requests and exits.
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
	case "photos":
		if len(args) < 2 || args[1] != "migrate" {
			fmt.Fprint(stderr, usage)
			return 2
		}
		err = photosMigrate(args[2:], stdout)
	case "keys":
		if len(args) < 2 || args[1] != "rotate" {
			fmt.Fprint(stderr, usage)
			return 2
		}
		err = keysRotate(args[2:], stdout)
	case "rollups":
		err = rollupsCmd(args[1:], stdout)
	case "version", "--version":
		err = version(stdout)
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
	tlsCert := fs.String("tls-cert", env("FIELDCHECK_TLS_CERT", ""), "TLS certificate (PEM, full chain); with --tls-key serves HTTPS")
	tlsKey := fs.String("tls-key", env("FIELDCHECK_TLS_KEY", ""), "TLS private key (PEM)")
	redirect := fs.String("http-redirect-addr", env("FIELDCHECK_HTTP_REDIRECT_ADDR", ""), "also listen here on plain HTTP, only to redirect to HTTPS (e.g. :80)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageError{"--tls-cert and --tls-key go together (FIELDCHECK_TLS_CERT, FIELDCHECK_TLS_KEY)"}
	}
	if *redirect != "" && *tlsCert == "" {
		return usageError{"--http-redirect-addr redirects to HTTPS: it needs --tls-cert and --tls-key"}
	}
	cfg, err := configFromEnv(*data)
	if err != nil {
		return usageError{err.Error()}
	}
	applyMemoryLimit()
	level, err := logLevel(os.Getenv("FIELDCHECK_LOG_LEVEL"))
	if err != nil {
		return usageError{err.Error()}
	}
	warm, err := store.ParseWarmMode(os.Getenv("FIELDCHECK_WARM"))
	if err != nil {
		return usageError{err.Error()}
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg.Logger = logger
	cfg.Build = Build()

	var certs *server.CertReloader
	if *tlsCert != "" {
		if certs, err = server.LoadCert(*tlsCert, *tlsKey); err != nil {
			return err
		}
	}

	db, err := openForServe(*data, logger, time.Now())
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
	srv.Go(func(ctx context.Context) { warmStore(ctx, db, warm, logger) })
	if ship, err := shipperFromEnv(db, srv, logger); err != nil {
		return err
	} else if ship != nil {
		srv.Go(ship.Run)
		logger.Info("backups are shipped to the photo bucket", "every", ship.Every.String(), "keep", ship.Keep)
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
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	scheme := "http"
	if certs != nil {
		ln = certs.Listener(ln)
		scheme = "https"
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		go func() {
			for range hup {
				// A renewed certificate: new handshakes get it, open
				// connections keep theirs. A bad pair keeps the old one.
				if err := certs.Reload(); err != nil {
					logger.Error("tls: reload on SIGHUP failed; keeping the current certificate", "err", err)
				} else {
					logger.Info("tls: certificate reloaded", "not_after", certs.NotAfter())
				}
			}
		}()
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	var redirectSrv *http.Server
	if *redirect != "" {
		_, httpsPort, _ := net.SplitHostPort(ln.Addr().String())
		redirectSrv = &http.Server{Addr: *redirect, Handler: server.RedirectToHTTPS(cfg.PublicURL, httpsPort),
			ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
		rln, err := net.Listen("tcp", *redirect)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", *redirect, err)
		}
		go func() {
			if err := redirectSrv.Serve(rln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
		fmt.Fprintf(stdout, "redirecting plain HTTP on %s to HTTPS\n", displayAddr("http", *redirect))
	}
	fmt.Fprintf(stdout, "fieldcheck listening on %s (data %s)\n", displayAddr(scheme, ln.Addr().String()), *data)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests", "timeout", shutdownTimeout().String())
	if redirectSrv != nil {
		redirectSrv.Close()
	}
	if err := srv.Shutdown(shutdownTimeout()); err != nil {
		logger.Error("shutdown", "err", err)
	}
	logger.Info("stopped; store closed")
	return nil
}

// warmStore reads the store into the OS page cache in the background
// (store.Warm) and says what it did.
func warmStore(ctx context.Context, db *store.DB, mode store.WarmMode, logger *slog.Logger) {
	rep, err := db.Warm(ctx, mode)
	if err != nil && ctx.Err() == nil {
		logger.Warn("store: warming the page cache stopped", "err", err)
		return
	}
	if ctx.Err() != nil {
		return
	}
	args := []any{"branch_pages", rep.BranchPages, "branch_mb", rep.BranchBytes >> 20, "branch_seconds", rep.BranchTook.Seconds()}
	if rep.Skipped != "" {
		args = append(args, "file_skipped", rep.Skipped)
	} else {
		args = append(args, "file_mb", rep.FileBytes>>20, "file_seconds", rep.FileTook.Seconds())
	}
	logger.Info("store: page cache warmed", args...)
}

// shutdownTimeout bounds how long SIGTERM waits for in-flight requests
// (FIELDCHECK_SHUTDOWN_TIMEOUT, default 15 s; systemd's TimeoutStopSec in
// contrib/ leaves room above it).
func shutdownTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("FIELDCHECK_SHUTDOWN_TIMEOUT")); err == nil && d > 0 {
		return d
	}
	return 15 * time.Second
}

// logLevel reads FIELDCHECK_LOG_LEVEL: debug, info (default), warn, error.
func logLevel(v string) (slog.Level, error) {
	var l slog.Level
	if v == "" {
		return slog.LevelInfo, nil
	}
	if err := l.UnmarshalText([]byte(v)); err != nil {
		return l, fmt.Errorf("FIELDCHECK_LOG_LEVEL must be debug, info, warn or error, got %q", v)
	}
	return l, nil
}

// openForServe opens the data dir for serving: refuses one written by a
// newer fieldcheck, and brings an older one up to date — snapshot first,
// then the migrations — saying what it did.
func openForServe(dir string, logger *slog.Logger, now time.Time) (*store.DB, error) {
	db, err := store.Open(dir)
	if err != nil {
		return nil, err
	}
	if db.PagesChecked {
		logger.Info("store: every page checked at open: the last run did not stop cleanly (or the release before wrote the file)",
			"took", db.PageCheckTook.Round(time.Millisecond).String())
	}
	rep, err := db.Migrate(migrations(), now)
	if err != nil {
		db.Close()
		return nil, err
	}
	if rep.Backup != "" {
		logger.Info("data dir upgraded", "from_schema", rep.From, "to_schema", rep.To, "snapshot", rep.Backup, "migrations", rep.Applied)
	}
	return db, nil
}

func displayAddr(scheme, addr string) string {
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "" || host == "::" || host == "0.0.0.0") {
		return scheme + "://localhost:" + port
	}
	return scheme + "://" + addr
}

func userAdd(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	data := fs.String("data", env("FIELDCHECK_DATA", "./data"), "data directory")
	username := fs.String("username", "", "username")
	role := fs.String("role", "", "role: technician, inspector, agent, supervisor, admin, qa")
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
	fromS3 := fs.String("from-s3", "", "restore a backup shipped to the photo bucket: latest, or its name")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *data == "" || (*in == "") == (*fromS3 == "") {
		return usageError{"restore needs --data EMPTY_DIR and one of --in FILE.tar or --from-s3 latest|NAME"}
	}
	var r io.Reader
	source := *in
	if *fromS3 != "" {
		obj, err := s3Objects()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		rc, info, err := backups.Open(ctx, obj.Client(), obj.Bucket(), obj.Key(""), *fromS3)
		if err != nil {
			return err
		}
		defer rc.Close()
		r, source = rc, fmt.Sprintf("%s from %s (%d bytes)", info.Name, obj.Name(), info.Size)
	} else {
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	if err := store.Restore(*data, r); err != nil {
		return err
	}
	db, err := store.Open(*data)
	if err != nil {
		return fmt.Errorf("restored files do not open: %w", err)
	}
	db.Close()
	fmt.Fprintf(stdout, "restored %s into %s (sessions are not restored: everyone signs in again; the server makes a new signing key)\n", source, filepath.Clean(*data))
	return nil
}

// s3Objects is the photo bucket from the environment (FIELDCHECK_S3_URL
// and the AWS_* variables), for commands that talk to it directly.
func s3Objects() (*photos.S3Objects, error) {
	if os.Getenv("FIELDCHECK_S3_URL") == "" {
		return nil, usageError{"set FIELDCHECK_S3_URL (http(s)://host:port/bucket), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"}
	}
	cfg, err := s3FromEnv()
	if err != nil {
		return nil, usageError{err.Error()}
	}
	cfg.Timeout = time.Minute
	return photos.NewS3(*cfg)
}

// photosMigrate moves a data dir's photos into the bucket, resumably, each
// verified by its hash before the local copy goes.
func photosMigrate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("photos migrate", flag.ContinueOnError)
	data := fs.String("data", env("FIELDCHECK_DATA", "./data"), "data directory")
	to := fs.String("to", "", "where to: s3 (the bucket FIELDCHECK_S3_URL names)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *to != "s3" {
		return usageError{"photos migrate needs --to s3"}
	}
	obj, err := s3Objects()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := obj.Check(ctx); err != nil {
		return fmt.Errorf("the bucket does not answer: %w", err)
	}
	last := time.Time{}
	rep, err := photos.MigrateToS3(ctx, *data, obj, func(done, total int, bytes int64) {
		if time.Since(last) > time.Second || done == total {
			last = time.Now()
			fmt.Fprintf(stdout, "migrated %d/%d photos (%d%%), %.1f MB\n", done, total, done*100/max(total, 1), float64(bytes)/1e6)
		}
	})
	fmt.Fprintf(stdout, "photos migrate: %d uploaded, %d already in %s, %d renditions; each verified by its sha256 before the local copy was removed\n",
		rep.Originals, rep.AlreadyThere, obj.Name(), rep.Renditions)
	if err != nil {
		return fmt.Errorf("%w (run it again to resume)", err)
	}
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

// shipperFromEnv: FIELDCHECK_BACKUP_EVERY (e.g. 1h) ships a hot snapshot to
// the photo bucket's backups/ at that interval, keeping the newest
// FIELDCHECK_BACKUP_KEEP (default 48) of this node's.
func shipperFromEnv(db *store.DB, srv *server.Server, logger *slog.Logger) (*backups.Shipper, error) {
	v := os.Getenv("FIELDCHECK_BACKUP_EVERY")
	if v == "" {
		return nil, nil
	}
	every, err := time.ParseDuration(v)
	if err != nil || every < time.Minute {
		return nil, usageError{fmt.Sprintf("FIELDCHECK_BACKUP_EVERY must be a duration of at least 1m such as 1h, got %q", v)}
	}
	obj, ok := srv.Photos.Objects().(*photos.S3Objects)
	if !ok {
		return nil, usageError{"FIELDCHECK_BACKUP_EVERY ships backups to the photo bucket: set FIELDCHECK_S3_URL too"}
	}
	keep := 48
	if k := os.Getenv("FIELDCHECK_BACKUP_KEEP"); k != "" {
		if keep, err = strconv.Atoi(k); err != nil || keep < 1 {
			return nil, usageError{fmt.Sprintf("FIELDCHECK_BACKUP_KEEP must be a number of backups ≥ 1, got %q", k)}
		}
	}
	node, err := db.NodeID()
	if err != nil {
		return nil, err
	}
	return &backups.Shipper{DB: db, Client: obj.Client(), Bucket: obj.Bucket(), KeyPrefix: obj.Key(""), Node: node,
		Every: every, Keep: keep, Log: logger}, nil
}
