package server

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

const localClientIP = "fc.client-ip"

// clientIP is the caller's address, as resolved once per request by
// resolveClientIP. Use it wherever the client's address matters (login
// throttles and queue, the audit device, the access log): behind a proxy
// c.IP() is the proxy's address.
func clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(localClientIP).(string); ok {
		return ip
	}
	return c.IP()
}

// resolveClientIP stores the caller's address for clientIP.
func (s *Server) resolveClientIP(c *fiber.Ctx) error {
	c.Locals(localClientIP, s.clientAddr(c))
	return c.Next()
}

// clientAddr is the caller's address: the socket's peer, or — when that peer
// is one of Config.TrustedProxies — the right-most address in
// X-Forwarded-For that is not itself a trusted proxy. Everything left of it
// was written by the client and is not believed.
func (s *Server) clientAddr(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.IP()
	}
	peer = peer.Unmap()
	if !s.trustedProxy(peer) {
		return peer.String()
	}
	client := peer
	hops := c.Request().Header.PeekAll(fiber.HeaderXForwardedFor)
	for i := len(hops) - 1; i >= 0; i-- {
		list := string(hops[i])
		for list != "" {
			hop := list
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				hop, list = list[j+1:], list[:j]
			} else {
				list = ""
			}
			a, err := netip.ParseAddr(strings.TrimSpace(hop))
			if err != nil {
				// A trusted proxy does not write garbage: whatever this is,
				// the hop that handed it to us is the client.
				return client.String()
			}
			client = a.Unmap()
			if !s.trustedProxy(client) {
				return client.String()
			}
		}
	}
	return client.String()
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	for _, p := range s.Cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
