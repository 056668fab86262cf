package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// client is one simulated device talking to the server over real HTTP.
type client struct {
	base    string
	http    *http.Client
	token   string
	refresh string
	user    string
	pass    string
	device  string
	// rec, when set, is told about every request: its kind (method and
	// route with ids elided), the HTTP status (0 when no answer came) and
	// how long it took.
	rec func(kind string, status int, err error, took time.Duration)
}

func newClient(base, user, pass string) *client {
	return &client{base: base, user: user, pass: pass, device: "load-" + user, http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true},
	}}
}

// statusErr is an HTTP answer that was not what the caller wanted.
type statusErr struct {
	Status int
	Body   string
}

func (e *statusErr) Error() string { return fmt.Sprintf("HTTP %d: %.200s", e.Status, e.Body) }

// do sends JSON (or raw bytes with ctype) and decodes a JSON answer into out.
func (c *client) do(method, path string, body any, ctype string, out any) (int, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(data)
		ctype = "application/json"
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	start := time.Now()
	status, err := c.send(req, method, path, out)
	if c.rec != nil {
		c.rec(routeKind(method, path), status, err, time.Since(start))
	}
	return status, err
}

func (c *client) send(req *http.Request, method, path string, out any) (int, error) {
	res, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode >= 300 {
		return res.StatusCode, &statusErr{res.StatusCode, string(data)}
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return res.StatusCode, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return res.StatusCode, nil
}

// routeKind names a request by its route: ids, hashes and query strings
// are dropped so the counts group by what the server does.
func routeKind(method, path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/")
	switch parts[0] {
	case "photos", "submissions", "workorders", "users", "templates":
		if len(parts) > 1 {
			parts[1] = ":id"
		}
	case "callbacks":
		if len(parts) > 1 && parts[1] != "claim" && parts[1] != "reasons" {
			parts[1] = ":id"
		}
	}
	return method + " " + strings.Join(parts, "/")
}

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func (c *client) login() error {
	_, err := c.loginStatus()
	return err
}

// loginStatus logs in with the device's id and keeps the token pair.
func (c *client) loginStatus() (int, error) {
	var out tokenPair
	c.token = ""
	status, err := c.do("POST", "/api/v1/auth/login", map[string]string{"username": c.user, "password": c.pass, "device_id": c.device}, "", &out)
	c.token, c.refresh = out.AccessToken, out.RefreshToken
	return status, err
}

// errRefreshRefused is a refresh token that the server would not take: the
// device's session is gone and it must log in again.
var errRefreshRefused = errors.New("refresh token refused")

// refreshToken trades the refresh token for a new pair, as a phone does
// before its access token runs out. The same token is presented again
// after a lost reply (the server forgives that once); a 401 means the
// session was revoked.
func (c *client) refreshToken(deadline time.Time) error {
	if c.refresh == "" {
		return errRefreshRefused
	}
	var out tokenPair
	body := map[string]string{"refresh_token": c.refresh}
	saved := c.token
	c.token = "" // the refresh route takes no bearer token
	status, err := c.retryNoAuth(deadline, func() (int, error) {
		return c.do("POST", "/api/v1/auth/refresh", body, "", &out)
	})
	c.token = saved
	if status == http.StatusUnauthorized {
		return errRefreshRefused
	}
	if err != nil {
		return err
	}
	c.token, c.refresh = out.AccessToken, out.RefreshToken
	return nil
}

// transient reports whether an answer says nothing about the request's
// fate and it should be sent again: no answer at all (the server was
// killed or is restarting), 503 while it starts, 429, or a 5xx. A 401 is
// handled by the caller (refresh, then log in).
func transient(status int, err error) bool {
	return err != nil && (status == 0 || status == http.StatusTooManyRequests || status >= 500)
}

// backoff sleeps before the n-th retry: 50 ms doubling to 1 s, with jitter
// so two hundred devices do not come back in step after a restart.
func backoff(n int) {
	wait := 50 * time.Millisecond << min(n, 5)
	wait = min(wait, time.Second)
	time.Sleep(wait/2 + rand.N(wait/2+1))
}

// retryNoAuth repeats fn while its failure is transient, until deadline.
func (c *client) retryNoAuth(deadline time.Time, fn func() (int, error)) (int, error) {
	for n := 0; ; n++ {
		status, err := fn()
		if !transient(status, err) {
			return status, err
		}
		if time.Now().After(deadline) {
			return status, fmt.Errorf("gave up: %w", err)
		}
		backoff(n)
	}
}

// retry calls fn until it succeeds with a definite answer, riding out a
// server restart (no answer, 503) and an expired or revoked token (401:
// refresh, and log in again when the refresh is refused). fn must be safe
// to repeat: the first attempt may have been applied without its answer
// reaching us.
func (c *client) retry(deadline time.Time, fn func() (int, error)) (int, error) {
	for n := 0; ; n++ {
		status, err := fn()
		if err == nil || (!transient(status, err) && status != http.StatusUnauthorized) {
			return status, err
		}
		if time.Now().After(deadline) {
			return status, fmt.Errorf("gave up: %w", err)
		}
		if status == http.StatusUnauthorized {
			if rerr := c.refreshToken(deadline); rerr != nil {
				c.retryNoAuth(deadline, c.loginStatus)
			}
			continue
		}
		backoff(n)
	}
}

// getRaw fetches path with the client's token and returns the body as is.
func (c *client) getRaw(path string) (int, []byte, error) {
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	start := time.Now()
	res, err := c.http.Do(req)
	status := 0
	var data []byte
	if err == nil {
		status = res.StatusCode
		data, err = io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil && status != http.StatusOK {
			err = &statusErr{status, string(data)}
		}
	}
	if c.rec != nil {
		c.rec(routeKind("GET", path), status, err, time.Since(start))
	}
	return status, data, err
}
