// Package readpool spreads reads over streaming replicas of the primary
// database: a read runs on a replica that is up and has replayed the
// primary's WAL to within a bound, or on the primary; a tenant that has
// just written reads on a replica only once that replica has replayed the
// write (it waits for a bounded time, then reads on the primary), whichever
// process of the service took the write: writes are announced to every
// process on the primary's notification channel. Writes never go through it. Replicas carry the same roles, policies and rows as
// the primary, so row-level security holds on them unchanged.
package readpool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options tune a Pool; zero values take the defaults.
type Options struct {
	// MaxLag: a replica that has not replayed what the primary had
	// written this long ago is not read from (default 5s).
	MaxLag time.Duration
	// Wait bounds how long a read after its tenant's write waits for a
	// replica to replay the write before it reads on the primary (default
	// 250ms).
	Wait time.Duration
	// Poll is how often each replica's replay position and the primary's
	// WAL position are read (default 250ms).
	Poll time.Duration
	// Logger logs replicas going down or lagging and coming back.
	Logger *slog.Logger
}

// Pool is the primary pool and its replicas' pools.
type Pool struct {
	primary  *pgxpool.Pool
	replicas []*replica
	opts     Options
	next     atomic.Uint64

	mu      sync.Mutex
	samples []sample          // the primary's WAL position over the last MaxLag and more
	written map[string]writes // tenants' last write positions, while a replica may lag them
	// floor is a position every read waits for, whatever its tenant: the
	// primary's position when this process began to hear other processes'
	// writes, since a write announced before that went unheard.
	floor writes

	stop chan struct{}
	done sync.WaitGroup
}

// channel is the primary's notification channel on which each process
// announces a tenant's write: the payload is the tenant, a space and the
// write's WAL position.
const channel = "kontext_writes"

type sample struct {
	at  time.Time
	lsn uint64
}

type writes struct {
	lsn uint64
	at  time.Time
}

type replica struct {
	name string // host:port, for logs
	pool *pgxpool.Pool

	mu     sync.Mutex
	up     bool
	replay uint64
	lag    time.Duration
}

// New opens a pool for each replica URL, configured as primary's pool
// (type registrations, sizes), and starts watching them. Close stops.
func New(ctx context.Context, primary *pgxpool.Pool, urls []string, opts Options) (*Pool, error) {
	if opts.MaxLag <= 0 {
		opts.MaxLag = 5 * time.Second
	}
	if opts.Wait <= 0 {
		opts.Wait = 250 * time.Millisecond
	}
	if opts.Poll <= 0 {
		opts.Poll = 250 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	p := &Pool{primary: primary, opts: opts, written: map[string]writes{}, stop: make(chan struct{})}
	for _, u := range urls {
		cfg, err := pgxpool.ParseConfig(u)
		if err != nil {
			p.closePools()
			return nil, fmt.Errorf("readpool: replica url: %w", err)
		}
		pc := primary.Config()
		cfg.MaxConns = pc.MaxConns
		cfg.AfterConnect = pc.AfterConnect
		cfg.ConnConfig.ConnectTimeout = 2 * time.Second
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			p.closePools()
			return nil, fmt.Errorf("readpool: replica %s: %w", cfg.ConnConfig.Host, err)
		}
		p.replicas = append(p.replicas, &replica{name: net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))), pool: pool})
	}
	if len(p.replicas) > 0 {
		heard := make(chan struct{})
		p.done.Add(1)
		go p.listen(heard)
		// A first read waits for the listener (a bounded time): until it
		// listens, another process's write goes unheard.
		select {
		case <-heard:
		case <-time.After(2 * time.Second):
		case <-ctx.Done():
		}
	}
	p.check(ctx)
	p.done.Add(1)
	go p.watch()
	return p, nil
}

// listen hears the writes every process of the service announces on the
// primary (Wrote) and records them as this process's own, so that a
// caller whose next request reaches another process still reads its
// write. It reconnects after a failure; on each (re)connection the
// primary's position then becomes the floor of every read, since writes
// announced while it was not listening were missed. heard is closed once
// it first listens.
func (p *Pool) listen(heard chan struct{}) {
	defer p.done.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-p.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	first := true
	for ctx.Err() == nil {
		err := p.hear(ctx, func() {
			if first {
				first = false
				close(heard)
			}
		})
		if ctx.Err() != nil {
			return
		}
		p.opts.Logger.Warn("not hearing other processes' writes; reconnecting", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// hear listens on one connection until it fails.
func (p *Pool) hear(ctx context.Context, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, p.primary.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var s string
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	if err := conn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&s); err != nil {
		return err
	}
	lsn, err := parseLSN(s)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.floor = writes{lsn: max(p.floor.lsn, lsn), at: time.Now()}
	p.mu.Unlock()
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		i := strings.LastIndexByte(n.Payload, ' ')
		if i < 0 {
			continue
		}
		if lsn, err := parseLSN(n.Payload[i+1:]); err == nil {
			p.record(n.Payload[:i], lsn)
		}
	}
}

// record notes that tenant wrote at lsn.
func (p *Pool) record(tenant string, lsn uint64) {
	p.mu.Lock()
	if w := p.written[tenant]; w.lsn < lsn {
		p.written[tenant] = writes{lsn: lsn, at: time.Now()}
	}
	p.mu.Unlock()
}

// Primary returns the primary's pool.
func (p *Pool) Primary() *pgxpool.Pool { return p.primary }

// Close stops watching and closes the replicas' pools (not the primary's).
func (p *Pool) Close() {
	close(p.stop)
	p.done.Wait()
	p.closePools()
}

func (p *Pool) closePools() {
	for _, r := range p.replicas {
		r.pool.Close()
	}
}

func (p *Pool) watch() {
	defer p.done.Done()
	t := time.NewTicker(p.opts.Poll)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), p.opts.Poll+time.Second)
			p.check(ctx)
			cancel()
		}
	}
}

// check reads the primary's WAL position, then each replica's replay
// position, and judges each replica's lag: the age of the oldest primary
// position it has not replayed yet.
func (p *Pool) check(ctx context.Context) {
	now := time.Now()
	var cur uint64
	var primaryErr error
	var s string
	if primaryErr = p.primary.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&s); primaryErr == nil {
		cur, primaryErr = parseLSN(s)
	}
	p.mu.Lock()
	if primaryErr == nil {
		p.samples = append(p.samples, sample{at: now, lsn: cur})
	}
	// Keep the samples of the last MaxLag and the newest one before it.
	for len(p.samples) > 1 && now.Sub(p.samples[1].at) > p.opts.MaxLag {
		p.samples = p.samples[1:]
	}
	samples := append([]sample(nil), p.samples...)
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range p.replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var replay uint64
			var s *string
			rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			err := r.pool.QueryRow(rctx, "SELECT pg_last_wal_replay_lsn()::text").Scan(&s)
			cancel()
			if err == nil && s == nil {
				err = errors.New("not a replica: no replay position")
			}
			if err == nil {
				replay, err = parseLSN(*s)
			}
			lag := time.Duration(0)
			for _, sm := range samples {
				if sm.lsn > replay {
					lag = now.Sub(sm.at)
					break
				}
			}
			r.mu.Lock()
			wasUp, wasLag := r.up, r.lag > p.opts.MaxLag
			r.up, r.lag = err == nil, lag
			if err == nil {
				r.replay = replay
			}
			r.mu.Unlock()
			switch {
			case err != nil && wasUp:
				p.opts.Logger.Warn("replica down, reads go to the primary", "replica", r.name, "err", err)
			case err == nil && lag > p.opts.MaxLag && !wasLag:
				p.opts.Logger.Warn("replica lagging, reads go elsewhere", "replica", r.name, "lag", lag.Round(time.Millisecond))
			case err == nil && (!wasUp || wasLag) && lag <= p.opts.MaxLag:
				p.opts.Logger.Info("replica serving reads", "replica", r.name)
			}
		}()
	}
	wg.Wait()
	// A write every replica has replayed needs no more care.
	p.mu.Lock()
	passed := func(w writes) bool {
		ok := true
		for _, r := range p.replicas {
			r.mu.Lock()
			ok = ok && r.replay >= w.lsn
			r.mu.Unlock()
		}
		return ok || now.Sub(w.at) > time.Minute
	}
	for t, w := range p.written {
		if passed(w) {
			delete(p.written, t)
		}
	}
	if p.floor.lsn > 0 && passed(p.floor) {
		p.floor = writes{}
	}
	p.mu.Unlock()
}

// Wrote records that tenant has just committed a write on the primary:
// its reads go to a replica only once the replica has replayed it. The
// write is announced to the service's other processes in the same round
// trip, so that they do the same.
func (p *Pool) Wrote(ctx context.Context, tenant string) error {
	if len(p.replicas) == 0 {
		return nil
	}
	var s, void string
	if err := p.primary.QueryRow(ctx, `SELECT l, pg_notify('`+channel+`', $1 || ' ' || l)::text
		FROM (SELECT pg_current_wal_lsn()::text AS l) x`, tenant).Scan(&s, &void); err != nil {
		return fmt.Errorf("readpool: wal position: %w", err)
	}
	lsn, err := parseLSN(s)
	if err != nil {
		return err
	}
	p.record(tenant, lsn)
	return nil
}

// Reader returns the pool a read of tenant goes to, and whether it is a
// replica: the next replica (round robin) that is up, within MaxLag and
// has replayed the tenant's last write; if the tenant's write is newer
// than every usable replica's position, it waits up to Wait for one to
// replay it; else the primary.
func (p *Pool) Reader(ctx context.Context, tenant string) (*pgxpool.Pool, bool) {
	if len(p.replicas) == 0 {
		return p.primary, false
	}
	p.mu.Lock()
	need := max(p.written[tenant].lsn, p.floor.lsn)
	p.mu.Unlock()
	start := p.next.Add(1)
	var behind *replica
	for i := range p.replicas {
		r := p.replicas[(int(start)+i)%len(p.replicas)]
		r.mu.Lock()
		usable, replay := r.up && r.lag <= p.opts.MaxLag, r.replay
		r.mu.Unlock()
		if !usable {
			continue
		}
		if replay >= need {
			return r.pool, true
		}
		if behind == nil {
			behind = r
		}
	}
	if behind == nil {
		return p.primary, false
	}
	if behind.await(ctx, need, p.opts.Wait) {
		return behind.pool, true
	}
	return p.primary, false
}

// await polls the replica until it has replayed lsn, for at most d.
func (r *replica) await(ctx context.Context, lsn uint64, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	want := formatLSN(lsn)
	for {
		var ok bool
		if err := r.pool.QueryRow(ctx, "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", want).Scan(&ok); err != nil {
			return false
		}
		if ok {
			r.mu.Lock()
			r.replay = max(r.replay, lsn)
			r.mu.Unlock()
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Read runs fn on the pool Reader picks; when fn fails on a replica for a
// reason of the replica's (it is unreachable, shutting down, or cancelled
// the query for a replay conflict) it runs fn again on the primary.
func (p *Pool) Read(ctx context.Context, tenant string, fn func(*pgxpool.Pool) error) error {
	pool, onReplica := p.Reader(ctx, tenant)
	err := fn(pool)
	if err != nil && onReplica && ctx.Err() == nil && replicaFault(err) {
		for _, r := range p.replicas {
			if r.pool == pool {
				r.mu.Lock()
				r.up = false
				r.mu.Unlock()
				p.opts.Logger.Warn("replica failed a read, reading on the primary", "replica", r.name, "err", err)
			}
		}
		return fn(p.primary)
	}
	return err
}

// replicaFault reports whether err is the replica's fault rather than the
// query's: a connection that failed, or a server shutting down, in
// recovery conflict or not accepting connections.
func replicaFault(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || pe.Code == "40001" || pe.Code == "53300"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) || errors.Is(err, net.ErrClosed)
}

// Status is a replica's state, for diagnostics and tests.
type Status struct {
	Name string
	Up   bool
	Lag  time.Duration
}

// Status returns each replica's last observed state.
func (p *Pool) Status() []Status {
	out := make([]Status, len(p.replicas))
	for i, r := range p.replicas {
		r.mu.Lock()
		out[i] = Status{Name: r.name, Up: r.up, Lag: r.lag}
		r.mu.Unlock()
	}
	return out
}

// Check observes the replicas now instead of at the next poll.
func (p *Pool) Check(ctx context.Context) { p.check(ctx) }

func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("readpool: bad wal position %q", s)
	}
	return h<<32 | l, nil
}

func formatLSN(v uint64) string { return fmt.Sprintf("%X/%X", v>>32, v&0xffffffff) }
