package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics live in the server's own registry (not the global one), so tests
// can build many servers in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fieldcheck_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fieldcheck_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry lets features add their own metrics.
func (s *Server) Registry() prometheus.Registerer { return s.metrics.reg }

// observe counts one request. The label values are kept by the registry for
// the life of the process, so none of them may be a view of fasthttp's
// reused request buffer (c.Method(), c.Path() and the route-less fallback of
// c.Route() are): the method becomes one of our constants and the route a
// copy. A "GET" label that later read "PUT" gave two series with the same
// labels, and every scrape after it answered 500.
func (m *metrics) observe(method, route string, status int, d time.Duration) {
	method = methodLabel(method)
	route = strings.Clone(route)
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// routeUnmatched labels a request that reached no route of ours (fasthttp
// refused it before routing): its path is the client's to choose and must
// not become a series of its own.
const routeUnmatched = "unmatched"

// metricMethods are the methods that get a series of their own.
var metricMethods = []string{
	fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
	fiber.MethodDelete, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace,
}

// methodLabel is method as one of fiber's constant strings (never the
// request's own bytes), or "other".
func methodLabel(method string) string {
	for _, m := range metricMethods {
		if m == method {
			return m
		}
	}
	return "other"
}

// routeLabel is the path pattern of the route that served c (a string of our
// route table), or routeUnmatched.
func routeLabel(c *fiber.Ctx) string {
	r := c.Route()
	if len(r.Handlers) == 0 {
		return routeUnmatched
	}
	return r.Path
}
