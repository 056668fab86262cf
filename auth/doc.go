// Package auth owns who may use fieldcheck: users and their password hashes,
// short-lived JWT access tokens (HS256 only, keys in the data dir: keys.go), file
// tokens for <img> URLs, rotating refresh tokens grouped in families (one per
// login on a device) with reuse detection, and the login throttle.
//
// It knows nothing of HTTP; the server maps its typed errors.
package auth
