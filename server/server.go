package server

import (
	"context"
	gojson "github.com/goccy/go-json"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/fines"
	"fieldcheck/finish"
	"fieldcheck/names"
	"fieldcheck/photos"
	"fieldcheck/qa"
	"fieldcheck/rectifications"
	"fieldcheck/reports"
	"fieldcheck/schedules"
	"fieldcheck/sla"
	"fieldcheck/store"
	"fieldcheck/summary"
	"fieldcheck/workdays"
	"fieldcheck/workorders"

	"github.com/gofiber/fiber/v2"
)

// Config is the server's configuration; zero values take the defaults noted.
type Config struct {
	// DataDir holds fieldcheck.db and the photo files.
	DataDir string
	// JSONLimit caps JSON request bodies (default 1 MiB); routes may set their own.
	JSONLimit int
	// PhotoMaxBytes caps a photo upload (default 25 MB).
	PhotoMaxBytes int64
	// PhotoMaxPixels caps a photo's pixel count, checked before decoding (default 50 MP).
	PhotoMaxPixels int
	// PhotoDecodeBudget bounds the memory of all photo decodes at once, as
	// estimated from their headers (default 224 MB); PhotoDecodeMax is one
	// image's share, above it 422 decode_too_large (default 160 MB).
	PhotoDecodeBudget, PhotoDecodeMax int64
	// PhotoUploads and PhotoUploadsPerUser cap photo uploads in flight,
	// in all and per user (default 32 and 4); past them 429 with Retry-After.
	PhotoUploads, PhotoUploadsPerUser int
	// SMSWait is how long a standard-tier customer has to answer the SMS
	// survey before the callback goes to the manual queue (default 4 h).
	SMSWait time.Duration
	// SMSWebhookURL, when set, is where outbound SMS are POSTed.
	SMSWebhookURL string
	// PublicURL prefixes survey links in SMS (default: relative links).
	PublicURL string
	// QADailyQuota is the calls in a QA reviewer's daily queue (default 20,
	// seed 001).
	QADailyQuota int
	// MetricsOpen serves /metrics without a token (FIELDCHECK_METRICS_OPEN=1).
	MetricsOpen bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (FIELDCHECK_TRUSTED_PROXIES); none by default, so the client
	// address is the socket's.
	TrustedProxies []netip.Prefix
	// JWTKey overrides the signing key kept in the store (at least 32 chars).
	JWTKey string
	// ReadTimeout bounds reading one request, headers and body together, so a
	// client that trickles its body is cut off (default 60 s; the speed-test
	// upload of 100 MiB must fit in it on a slow line).
	ReadTimeout time.Duration
	// WriteTimeout bounds writing one answer, so a client that never reads
	// does not hold a connection and its buffers (default 120 s).
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request (default 120 s).
	IdleTimeout time.Duration
	// OnAnswer, when set, sees every answered request's method, route
	// pattern and status (the OpenAPI drift test records them).
	OnAnswer func(method, route string, status int)
	// S3, when set, keeps photos in that bucket instead of the data dir
	// (FIELDCHECK_S3_URL and the AWS_* variables).
	S3 *photos.S3Config
	// Build is what /readyz and `fieldcheck version` report.
	Build BuildInfo
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Now defaults to the system clock; tests pass a fake one.
	Now store.Clock
}

func (c *Config) defaults() {
	if c.JSONLimit == 0 {
		c.JSONLimit = 1 << 20
	}
	if c.PhotoMaxBytes == 0 {
		c.PhotoMaxBytes = 25 << 20
	}
	if c.PhotoMaxPixels == 0 {
		c.PhotoMaxPixels = 50_000_000
	}
	if c.SMSWait == 0 {
		c.SMSWait = 4 * time.Hour
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 60 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 120 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 120 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = store.SystemClock
	}
}

// bufferedBodyLimit is the largest body fasthttp reads before the handler
// runs; a larger (or chunked) body is left on the connection as a stream.
const bufferedBodyLimit = 256 << 10

// Server is the HTTP application.
type Server struct {
	App     *fiber.App
	DB      *store.DB
	Cfg     Config
	Now     store.Clock
	Log     *slog.Logger
	Tokens  *auth.Tokens
	Logins  *auth.Throttle
	metrics *metrics
	// Callbacks is the callback queue and SMS survey.
	Callbacks *callbacks.Service
	// Rectifications is 整改: list, resolve, assign, reopen.
	Rectifications *rectifications.Service
	// Photos is the content-addressed photo store.
	Photos *photos.Service
	// Checks queues password checks fairly per client address.
	Checks *auth.CheckQueue
	// Accounts is users and sessions (login, refresh, logout, users).
	Accounts *auth.Accounts
	// WorkOrders is work orders and stores (营业网点).
	WorkOrders *workorders.Service
	// Templates is the checklist templates (检查表模板).
	Templates *checklists.Service
	// Names is the display names of units, products, roles and people.
	Names *names.Service
	// QA is the monitoring of agents' calls (品质保障: reviews, queues, reports).
	QA *qa.Service
	// Schedules is the inspection plans (巡检计划) and their windows.
	Schedules *schedules.Service
	// Summaries makes the 检查汇总反馈表 PDF of an inspection.
	Summaries *summary.Service
	// Rollups is the report rollups' start (a rebuild after an upgrade).
	Rollups *reports.Rollups
	// Workdays, SLA and Fines: the working-day calendar, the time limits of
	// orders and the agency fines and score (issue 22).
	Workdays *workdays.Service
	SLA      *sla.Service
	Fines    *fines.Service

	routes      []RouteInfo
	readyMu     sync.Mutex
	readyChecks map[string]ReadyCheck
	background  []func(ctx context.Context)
	bgCancel    context.CancelFunc
	bgDone      sync.WaitGroup
}

// New builds the server on an open store.
func New(db *store.DB, cfg Config) (*Server, error) {
	cfg.defaults()
	keys, err := auth.LoadKeys(db, cfg.JWTKey, cfg.Now())
	if err != nil {
		return nil, err
	}
	s := &Server{
		DB: db, Cfg: cfg, Now: cfg.Now, Log: cfg.Logger,
		Tokens:  auth.NewTokensWith(keys, cfg.Now),
		Logins:  auth.NewThrottle(5, 15*time.Minute, cfg.Now),
		Checks:  auth.NewCheckQueue(auth.CheckSlots, auth.CheckWaitPerAddr, auth.CheckWait),
		metrics: newMetrics(),
	}
	s.metrics.storeMetrics(db)
	s.Accounts = auth.NewAccounts(db, s.Tokens, cfg.Now)
	s.WorkOrders = workorders.NewService(db, cfg.Now).WithFinisher(finish.Job)
	s.Templates = checklists.NewService(db, cfg.Now)
	s.Names = names.NewService(db, cfg.Now)
	s.Schedules = schedules.NewService(db, cfg.Now)
	fines.Install() // every order write stamps its clock and proposes its fines
	s.Workdays = workdays.NewService(db, cfg.Now)
	s.SLA = sla.NewService(db, cfg.Now)
	s.Fines = fines.NewService(db, cfg.Now)
	if err := s.SLA.Ensure(); err != nil {
		return nil, err
	}
	s.App = fiber.New(fiber.Config{
		AppName:               "fieldcheck",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		// Bodies above BodyLimit are not buffered: with StreamRequestBody they
		// reach the handler as a stream, and readBody enforces each route's
		// own limit. So a 100 MB body to /auth/login is refused after reading
		// its headers, and the speed-test upload can stream 100 MiB.
		BodyLimit:         bufferedBodyLimit,
		StreamRequestBody: true,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		ReadBufferSize:    16 << 10,
		// go-json writes what encoding/json writes (sorted map keys, HTML
		// escaped) in about half the time; the province's technicians report
		// (2,100 rows) spent more in encoding/json than in reading its cells.
		JSONEncoder: gojson.Marshal,
		// Prefork stays off: every child would open the same bbolt file.
	})
	s.Callbacks = callbacks.New(db, callbacks.Config{SMSWait: cfg.SMSWait, WebhookURL: cfg.SMSWebhookURL,
		PublicURL: cfg.PublicURL, Clock: cfg.Now, Logger: cfg.Logger})
	s.Go(s.Callbacks.Run)
	s.Rectifications = rectifications.NewService(db, cfg.Now)
	s.QA = qa.New(db, s.Callbacks, qa.Config{Quota: cfg.QADailyQuota, AudioDir: qaAudioDir(cfg.DataDir), Clock: cfg.Now})
	s.Go(s.Fines.Run)
	if s.Photos, err = s.newPhotos(); err != nil {
		return nil, err
	}
	s.Summaries = summary.NewService(db, s.Photos, cfg.Now)
	if err := s.startRollups(); err != nil {
		return nil, err
	}
	s.middleware()
	s.bindRoutes()
	return s, nil
}

// Go registers a background loop started by Start and stopped by Shutdown.
func (s *Server) Go(fn func(ctx context.Context)) { s.background = append(s.background, fn) }

// StartBackground starts the background loops (SMS sender, queue sweeps).
func (s *Server) StartBackground() {
	ctx, cancel := context.WithCancel(context.Background())
	s.bgCancel = cancel
	for _, fn := range s.background {
		s.bgDone.Add(1)
		go func() { defer s.bgDone.Done(); fn(ctx) }()
	}
}

// BuildInfo names the running binary and the data layout it writes.
type BuildInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Schema   int    `json:"schema"`
}

// Listen serves plain HTTP on addr until Shutdown.
func (s *Server) Listen(addr string) error {
	s.StartBackground()
	return s.App.Listen(addr)
}

// Serve serves on ln (a plain or a TLS listener) until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.StartBackground()
	return s.App.Listener(ln)
}

// Shutdown stops accepting connections, lets in-flight requests finish (up
// to timeout) and stops the background loops.
func (s *Server) Shutdown(timeout time.Duration) error {
	err := s.App.ShutdownWithTimeout(timeout)
	if s.bgCancel != nil {
		s.bgCancel()
		s.bgDone.Wait()
	}
	return err
}
