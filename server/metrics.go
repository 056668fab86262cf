package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"fieldcheck/store"

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

// storeMetrics are the store's write work (store.WriteStats) and its
// start-up warm-up, read once per scrape: pages written per commit is what
// grows as the file does.
func (m *metrics) storeMetrics(db *store.DB) { m.reg.MustRegister(storeCollector{db}) }

type storeCollector struct{ db *store.DB }

var (
	descPagesWritten = prometheus.NewDesc("fieldcheck_store_pages_written_total", "Pages the store's commits wrote since start.", nil, nil)
	descWriteSeconds = prometheus.NewDesc("fieldcheck_store_write_seconds_total", "Time the store's commits spent writing pages and fsyncing.", nil, nil)
	descSpillSeconds = prometheus.NewDesc("fieldcheck_store_spill_seconds_total", "Time the store's commits spent laying out changed pages.", nil, nil)
	descFileBytes    = prometheus.NewDesc("fieldcheck_store_file_bytes", "Size of the store's data file in use.", nil, nil)
	descFreePages    = prometheus.NewDesc("fieldcheck_store_free_pages", "Pages free for reuse inside the data file.", nil, nil)
	descWarmBytes    = prometheus.NewDesc("fieldcheck_store_warm_bytes", "Bytes of the data file read into the page cache since start (FIELDCHECK_WARM).", nil, nil)
	descWarmDone     = prometheus.NewDesc("fieldcheck_store_warm_done", "1 once the start's page-cache warm-up has finished (or was off).", nil, nil)
)

func (storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPagesWritten, descWriteSeconds, descSpillSeconds, descFileBytes, descFreePages, descWarmBytes, descWarmDone} {
		ch <- d
	}
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	w := c.db.WriteStats()
	warmed, done := c.db.WarmProgress()
	doneV := 0.0
	if done {
		doneV = 1
	}
	ch <- prometheus.MustNewConstMetric(descPagesWritten, prometheus.CounterValue, float64(w.PagesWritten))
	ch <- prometheus.MustNewConstMetric(descWriteSeconds, prometheus.CounterValue, w.WriteTime.Seconds())
	ch <- prometheus.MustNewConstMetric(descSpillSeconds, prometheus.CounterValue, w.SpillTime.Seconds())
	ch <- prometheus.MustNewConstMetric(descFileBytes, prometheus.GaugeValue, float64(w.FileBytes))
	ch <- prometheus.MustNewConstMetric(descFreePages, prometheus.GaugeValue, float64(w.FreePages))
	ch <- prometheus.MustNewConstMetric(descWarmBytes, prometheus.GaugeValue, float64(warmed))
	ch <- prometheus.MustNewConstMetric(descWarmDone, prometheus.GaugeValue, doneV)
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
