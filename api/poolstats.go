package api

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// PoolCollector exports a pgx pool's statistics as Prometheus metrics.
type PoolCollector struct {
	stat func() *pgxpool.Stat

	acquired, idle, total, max, constructing *prometheus.Desc
	acquires, emptyAcquires, canceled        *prometheus.Desc
	acquireSeconds                           *prometheus.Desc
}

// NewPoolCollector returns a collector for pool, labelled with name
// (for example "app").
func NewPoolCollector(pool *pgxpool.Pool, name string) *PoolCollector {
	l := prometheus.Labels{"pool": name}
	d := func(n, help string) *prometheus.Desc {
		return prometheus.NewDesc("kontext_db_pool_"+n, help, nil, l)
	}
	return &PoolCollector{
		stat:           pool.Stat,
		acquired:       d("acquired_conns", "Connections currently in use."),
		idle:           d("idle_conns", "Idle connections."),
		total:          d("total_conns", "Open connections."),
		max:            d("max_conns", "Maximum pool size."),
		constructing:   d("constructing_conns", "Connections being opened."),
		acquires:       d("acquires_total", "Successful connection acquisitions."),
		emptyAcquires:  d("empty_acquires_total", "Acquisitions that had to wait for a connection."),
		canceled:       d("canceled_acquires_total", "Acquisitions canceled by their context."),
		acquireSeconds: d("acquire_seconds_total", "Time spent waiting for connections."),
	}
}

// Describe implements prometheus.Collector.
func (p *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{p.acquired, p.idle, p.total, p.max, p.constructing, p.acquires, p.emptyAcquires, p.canceled, p.acquireSeconds} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (p *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := p.stat()
	g := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	c := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	g(p.acquired, float64(s.AcquiredConns()))
	g(p.idle, float64(s.IdleConns()))
	g(p.total, float64(s.TotalConns()))
	g(p.max, float64(s.MaxConns()))
	g(p.constructing, float64(s.ConstructingConns()))
	c(p.acquires, float64(s.AcquireCount()))
	c(p.emptyAcquires, float64(s.EmptyAcquireCount()))
	c(p.canceled, float64(s.CanceledAcquireCount()))
	c(p.acquireSeconds, s.AcquireDuration().Seconds())
}
