package server

import (
	"strings"
	"time"

	"fieldcheck/pwa"
	"fieldcheck/workorders"

	"github.com/gofiber/fiber/v2"
)

// The console's routes and query parameters in the OpenAPI document (kept
// here, beside the console's own handlers, rather than in apiDocs' block).
func init() {
	apiDocs["GET /api/v1/admin/status"] = apiDoc{Summary: "运维状态 / operations: version, data size, photo count, settings in force", Response: adminStatusAnswer{}}
	apiDocs["PATCH /api/v1/stores/:id"] = apiDoc{Summary: "修改网点（名称、地址、单位、位置）/ edit a store (name, address, unit, location)",
		Request: workorders.OutletPatch{}, Response: workorders.Outlet{}, Errors: []int{403, 404, 422}}
	users := apiDocs["GET /api/v1/users"]
	users.Query = withPageQ("q:search in username, name and phone", "role", "unit")
	apiDocs["GET /api/v1/users"] = users
	audit := apiDocs["GET /api/v1/audit"]
	audit.Query = append(audit.Query[:len(audit.Query):len(audit.Query)], "action:an action or its prefix (user.)", "object:an object or its prefix (user/tech.li)", "device:device id")
	apiDocs["GET /api/v1/audit"] = audit
}

type (
	// adminStatusAnswer is the console's 运维 screen.
	adminStatusAnswer struct {
		Status     string    `json:"status"`
		Build      BuildInfo `json:"build"`
		AppVersion string    `json:"app_version"`
		Schema     int       `json:"schema"`
		Time       time.Time `json:"time"`
		Data       struct {
			DBBytes    int64 `json:"db_bytes"`
			Photos     int   `json:"photos"`
			PhotoBytes int64 `json:"photo_bytes"`
		} `json:"data"`
		Settings struct {
			SMSWaitSeconds int64  `json:"sms_wait_seconds"`
			SMSWebhook     string `json:"sms_webhook" jsonschema:"description=scheme and host only; empty when no webhook is set"`
			PublicURL      string `json:"public_url"`
			MetricsOpen    bool   `json:"metrics_open"`
		} `json:"settings"`
	}
)

// adminStatus is the operator's console's 运维 screen: what runs, how much
// it holds, and the settings in force (read-only; they come from the
// environment). Secrets are never in it: the webhook shows only whether
// one is set and its host.
func (s *Server) adminStatus(c *fiber.Ctx) error {
	dbBytes, err := s.DB.SnapshotSize()
	if err != nil {
		return err
	}
	photoCount, photoBytes, err := s.Photos.Stats()
	if err != nil {
		return err
	}
	schema, _ := s.DB.Schema()
	ready := "ready"
	if s.DB.Ready() != nil {
		ready = "not_ready"
	}
	return c.JSON(fiber.Map{
		"status":      ready,
		"build":       s.Cfg.Build,
		"app_version": pwa.Version(),
		"schema":      schema,
		"time":        s.Now(),
		"data": fiber.Map{
			"db_bytes":    dbBytes,
			"photos":      photoCount,
			"photo_bytes": photoBytes,
		},
		"settings": fiber.Map{
			"sms_wait_seconds": int64(s.Cfg.SMSWait.Seconds()),
			"sms_webhook":      webhookHost(s.Cfg.SMSWebhookURL),
			"public_url":       s.Cfg.PublicURL,
			"metrics_open":     s.Cfg.MetricsOpen,
		},
	})
}

// webhookHost names where SMS go without the path or query, which may
// carry a key: "" when no webhook is set.
func webhookHost(raw string) string {
	if raw == "" {
		return ""
	}
	rest := raw
	scheme := ""
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme, rest = rest[:i+3], rest[i+3:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 { // user:password@host
		rest = rest[i+1:]
	}
	return scheme + rest
}

// platform names the device a login came from for a person to read
// ("Android · Chrome", "iPhone · 微信"), from its User-Agent; "" when it
// says nothing known. The device id stays in the audit log.
func platform(ua string) string {
	os := ""
	for _, p := range [][2]string{
		{"HarmonyOS", "HarmonyOS"}, {"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"},
		{"Windows", "Windows"}, {"CrOS", "ChromeOS"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, p[0]) {
			os = p[1]
			break
		}
	}
	browser := ""
	for _, p := range [][2]string{
		{"MicroMessenger", "微信"}, {"DingTalk", "钉钉"}, {"Edg/", "Edge"}, {"Firefox/", "Firefox"},
		{"HeadlessChrome", "Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, p[0]) {
			browser = p[1]
			break
		}
	}
	switch {
	case os != "" && browser != "":
		return os + " · " + browser
	case os != "":
		return os
	}
	return browser
}
