package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// client is one simulated device talking to the server over real HTTP.
type client struct {
	base  string
	http  *http.Client
	token string
	user  string
	pass  string
}

func newClient(base, user, pass string) *client {
	return &client{base: base, user: user, pass: pass, http: &http.Client{
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

func (c *client) login() error {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	c.token = ""
	_, err := c.do("POST", "/api/v1/auth/login", map[string]string{"username": c.user, "password": c.pass, "device_id": "load-" + c.user}, "", &out)
	c.token = out.AccessToken
	return err
}

// retry calls fn until it succeeds with a definite answer, riding out a
// server restart (connection refused) and an expired token (401).
func (c *client) retry(deadline time.Time, fn func() (int, error)) (int, error) {
	wait := 50 * time.Millisecond
	for {
		status, err := fn()
		if err == nil || (status >= 400 && status != 401 && status < 500 && status != 429) {
			return status, err
		}
		if time.Now().After(deadline) {
			return status, fmt.Errorf("gave up: %w", err)
		}
		if status == 401 {
			c.login()
		}
		time.Sleep(wait)
		if wait < time.Second {
			wait *= 2
		}
	}
}
