package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// CertReloader serves a certificate pair read from two files and re-reads
// them on Reload (the CLI calls it on SIGHUP), so a renewed certificate is
// picked up without a restart: every new handshake takes the current pair,
// connections already open keep theirs.
type CertReloader struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// LoadCert reads the pair once; a bad pair is an error at start.
func LoadCert(certFile, keyFile string) (*CertReloader, error) {
	r := &CertReloader{certFile: certFile, keyFile: keyFile}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload re-reads the files. On error the previous pair stays in use.
func (r *CertReloader) Reload() error {
	pair, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("tls: load %s / %s: %w", r.certFile, r.keyFile, err)
	}
	if pair.Leaf == nil && len(pair.Certificate) > 0 {
		pair.Leaf, _ = x509.ParseCertificate(pair.Certificate[0])
	}
	r.cur.Store(&pair)
	return nil
}

// NotAfter is when the current certificate expires.
func (r *CertReloader) NotAfter() time.Time {
	if c := r.cur.Load(); c != nil && c.Leaf != nil {
		return c.Leaf.NotAfter
	}
	return time.Time{}
}

// TLSConfig is a server config that always hands out the current pair.
func (r *CertReloader) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return r.cur.Load(), nil
		},
	}
}

// Listener wraps ln in TLS with the reloadable pair.
func (r *CertReloader) Listener(ln net.Listener) net.Listener {
	return tls.NewListener(ln, r.TLSConfig())
}

// RedirectToHTTPS answers every plain-HTTP request with a permanent redirect
// to the same path on HTTPS. base is FIELDCHECK_PUBLIC_URL when set (the name
// the certificate is for); otherwise the request's host with httpsPort.
func RedirectToHTTPS(base, httpsPort string) http.Handler {
	base = strings.TrimRight(base, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		target := base
		if target == "" {
			host := req.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			if strings.ContainsAny(host, "/\\@ ") || host == "" {
				http.Error(w, "bad host", http.StatusBadRequest)
				return
			}
			if strings.Contains(host, ":") { // IPv6 literal
				host = "[" + host + "]"
			}
			target = "https://" + host
			if httpsPort != "" && httpsPort != "443" {
				target += ":" + httpsPort
			}
		}
		w.Header().Set("Connection", "close")
		http.Redirect(w, req, target+req.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}
