package cli

import (
	"fmt"
	"os"
	"strconv"
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
	return cfg, nil
}
