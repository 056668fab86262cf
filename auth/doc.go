// Package auth owns who may use fieldcheck: users and their password hashes,
// short-lived JWT access tokens (HS256 only, key kept in the store), file
// tokens for <img> URLs, rotating refresh tokens grouped in families (one per
// login on a device) with reuse detection, and the login throttle.
//
// It knows nothing of HTTP; the server maps its typed errors.
package auth
