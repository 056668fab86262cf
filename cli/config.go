package cli

import (
	"fmt"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"fieldcheck/server"
)

// configFromEnv reads the server's settings from the environment, once, here.
func configFromEnv(data string) (server.Config, error) {
	cfg := server.Config{
		DataDir:       data,
		SMSWebhookURL: os.Getenv("FIELDCHECK_SMS_WEBHOOK"),
		PublicURL:     os.Getenv("FIELDCHECK_PUBLIC_URL"),
		MetricsOpen:   os.Getenv("FIELDCHECK_METRICS_OPEN") == "1",
		JWTKey:        os.Getenv("FIELDCHECK_JWT_KEY"),
	}
	if v := os.Getenv("FIELDCHECK_SMS_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("FIELDCHECK_SMS_WAIT must be a duration such as 4h, got %q", v)
		}
		cfg.SMSWait = d
	}
	if v := os.Getenv("FIELDCHECK_PHOTO_MAX_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return cfg, fmt.Errorf("FIELDCHECK_PHOTO_MAX_BYTES must be a positive number of bytes, got %q", v)
		}
		cfg.PhotoMaxBytes = n
	}
	if v := os.Getenv("FIELDCHECK_PHOTO_MAX_PIXELS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return cfg, fmt.Errorf("FIELDCHECK_PHOTO_MAX_PIXELS must be a positive number, got %q", v)
		}
		cfg.PhotoMaxPixels = n
	}
	if v := os.Getenv("FIELDCHECK_TRUSTED_PROXIES"); v != "" {
		proxies, err := parseTrustedProxies(v)
		if err != nil {
			return cfg, fmt.Errorf("FIELDCHECK_TRUSTED_PROXIES must be comma-separated addresses or CIDRs such as 10.0.0.0/8, got %q: %v", v, err)
		}
		cfg.TrustedProxies = proxies
	}
	for _, v := range []struct {
		name string
		dst  *int64
		what string
	}{
		{"FIELDCHECK_PHOTO_DECODE_BUDGET", &cfg.PhotoDecodeBudget, "bytes all photo decodes at once may use"},
		{"FIELDCHECK_PHOTO_DECODE_MAX", &cfg.PhotoDecodeMax, "bytes one photo's decode may use"},
	} {
		if s := os.Getenv(v.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				return cfg, fmt.Errorf("%s must be a positive number of %s, got %q", v.name, v.what, s)
			}
			*v.dst = n
		}
	}
	for _, v := range []struct {
		name string
		dst  *int
	}{
		{"FIELDCHECK_PHOTO_UPLOADS", &cfg.PhotoUploads},
		{"FIELDCHECK_PHOTO_UPLOADS_PER_USER", &cfg.PhotoUploadsPerUser},
	} {
		if s := os.Getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				return cfg, fmt.Errorf("%s must be a positive number of uploads, got %q", v.name, s)
			}
			*v.dst = n
		}
	}
	return cfg, nil
}

// parseTrustedProxies reads a comma-separated list of CIDRs or single
// addresses.
func parseTrustedProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, err
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 { // ::ffff:10.0.0.0/104 is 10.0.0.0/8
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// defaultMemoryLimit is the Go heap's soft limit when GOMEMLIMIT is not set.
// Freed decode buffers are garbage until the next collection, and by
// default the collector lets the heap grow to twice what was live; near this
// limit it collects sooner instead, so the photo decode budget (224 MB) and
// the rest of the server stay under 512 MB resident.
const defaultMemoryLimit = 400 << 20

// applyMemoryLimit sets defaultMemoryLimit unless GOMEMLIMIT (read by the Go
// runtime itself) says otherwise.
func applyMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
