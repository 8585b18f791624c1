package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"healthcms/cms"
)

// A read replica takes delivery's reads off the primary: a PostgreSQL
// streaming replica (hot standby) of the database at CMS_DATABASE_URL.
// Editor reads and every write stay on the primary.
//
// The rule it keeps: a server never serves from the replica (and so never
// caches) an answer older than a change it knows of, its own or one
// another server announced. The announcement (NOTIFY) reaches a server
// before the replica has replayed the change, so each change makes the
// server learn a WAL position at or past the change's commit record, and
// delivery reads go to the primary until the replica has replayed up to
// it (pg_last_wal_replay_lsn). Reading from the primary for those few
// milliseconds was chosen over waiting for the replica: it costs no
// request any latency, and a paused or stuck replica costs nothing but
// load on the primary.
//
// Why the receiver learns the position rather than the notification
// carrying it: a NOTIFY sent inside the writing transaction is delivered
// exactly when the change commits (never for a rolled-back change, never
// lost when the writer dies just after its commit), but it is written
// before the commit record, so no position it could carry is at or past
// the commit. A NOTIFY sent after COMMIT could carry one, but a writer
// that dies between the two leaves every other server's cache stale until
// the next change. So the notification stays in the transaction, and the
// receiver asks the primary for pg_current_wal_insert_lsn() once it has
// been told: PostgreSQL delivers a notification only after the commit
// record is in the WAL, so any insert position read after that is at or
// past it. The insert position rather than pg_current_wal_lsn() (the
// write position): with synchronous_commit = off a commit returns, and
// its notification goes out, before its record is written, so only the
// insert position is sure to be past it. A burst of changes costs one
// such query per server, as the watcher learns one position for all the
// changes noted before it asked.
//
// The replica must be one server: positions of different replicas behind
// one address (a pooler balancing over several) are not comparable.
type replica struct {
	pool    *sqlx.DB // delivery reads; each new connection is checked (checkedConnector)
	probe   *sqlx.DB // the watcher's own connection, to measure the replay position
	primary *sqlx.DB
	stmts   *statements
	log     *slog.Logger

	// The hot path loads only these two: delivery reads go to the replica
	// while seen >= need.
	need atomic.Uint64 // what the replica must have replayed; unknownPos while being learned
	seen atomic.Uint64 // what the replica is known to have replayed; 0 when unusable

	mu      sync.Mutex
	changes uint64 // changes noted
	covered uint64 // changes whose position has been learned (a prefix of changes)
	known   uint64 // the highest position learned from the primary
	// epoch moves whenever seen is lowered (an error, a new connection
	// that may be to a restarted replica), so that a measure taken
	// before is not stored after.
	epoch uint64
	// up is the state last logged; said, whether any was.
	up, said bool

	wake chan struct{}
	stop context.CancelFunc
	done chan struct{}

	replicaReads, primaryReads atomic.Uint64
	lag                        atomic.Int64 // bytes; -1 when unknown
}

// unknownPos is the need while a change's position is being learned: no
// replica position satisfies it.
const unknownPos = math.MaxUint64

// Watcher timing: how soon the replica's position is asked again while
// delivery waits for it (doubling up to maxPoll), and otherwise how often,
// for the lag metric and to notice a replica that went away.
const (
	minPoll   = time.Millisecond
	maxPoll   = 100 * time.Millisecond
	idlePoll  = time.Second
	probeTime = 2 * time.Second
)

var (
	errReplicaBehind = errors.New("read replica: behind the changes this server knows of")
	errNotStandby    = errors.New("read replica: the server is not a standby in recovery (pg_last_wal_replay_lsn is NULL)")
)

// UseReplica sends delivery reads (through Delivery) to the PostgreSQL
// streaming replica at rawURL whenever it has replayed every change this
// server knows of; see replica.go. It does not wait for the replica: while
// it cannot be reached, delivery reads go to the primary, and the log
// says so. Only for a PostgreSQL store.
func (db *DB) UseReplica(rawURL string, log *slog.Logger) error {
	if db.d.name != "postgres" {
		return errors.New("a read replica needs a PostgreSQL database")
	}
	if db.rep != nil {
		return errors.New("a read replica is already in use")
	}
	r := &replica{primary: db.w, stmts: newStatements(), log: log, wake: make(chan struct{}, 1), done: make(chan struct{})}
	base, err := pgConnector(rawURL)
	if err != nil {
		return fmt.Errorf("read replica URL: %w", err)
	}
	r.pool = sqlx.NewDb(sql.OpenDB(checkedConnector{base, r}), "postgres")
	r.pool.SetMaxOpenConns(readers()) // as the primary's read pool
	r.pool.SetMaxIdleConns(readers())
	r.probe = sqlx.NewDb(sql.OpenDB(base), "postgres")
	r.probe.SetMaxOpenConns(1)
	r.lag.Store(-1)
	// Nothing is known yet: a change may have committed just before this
	// server started listening, so the first position is learned now.
	r.changes = 1
	r.need.Store(unknownPos)
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	db.rep = r
	go r.watch(ctx)
	return nil
}

func (r *replica) close() error {
	r.stop()
	<-r.done
	r.stmts.close()
	return errors.Join(r.pool.Close(), r.probe.Close())
}

// fresh reports whether the replica has replayed every change known.
func (r *replica) fresh() bool {
	need := r.need.Load()
	return need != unknownPos && r.seen.Load() >= need
}

// changed notes a change, committed before the call: until its position
// is learned and replayed, delivery reads go to the primary. It runs
// before the cache purge, so no answer filled after the purge can come
// from a replica that lacks the change.
func (r *replica) changed() {
	r.mu.Lock()
	r.changes++
	r.need.Store(unknownPos)
	r.mu.Unlock()
	r.kick()
}

func (r *replica) kick() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// learned records pos, read from the primary after the first seq changes
// were noted: it is at or past each of their commits.
func (r *replica) learned(seq, pos uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.known = max(r.known, pos)
	r.covered = max(r.covered, seq)
	if r.changes > r.covered {
		r.need.Store(unknownPos)
	} else {
		r.need.Store(r.known)
	}
}

// measured stores the replay position the watcher read, unless seen was
// lowered while it asked.
func (r *replica) measured(epoch, pos uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if epoch == r.epoch {
		r.seen.Store(pos)
	}
}

// failed takes the replica out of use until the watcher sees it again.
func (r *replica) failed() {
	r.mu.Lock()
	r.epoch++
	r.seen.Store(0)
	r.mu.Unlock()
	r.kick()
}

// connected is told the replay position of a new pool connection and
// reports whether it has what delivery needs. The connection may be to a
// replica restarted since it was last measured, which can come back
// behind where it was: what it has replayed is all that is trusted.
func (r *replica) connected(pos uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.epoch++
	if pos < r.seen.Load() {
		r.seen.Store(pos)
	}
	need := r.need.Load()
	return need != unknownPos && pos >= need
}

// watch learns positions and measures the replica until ctx ends.
func (r *replica) watch(ctx context.Context) {
	defer close(r.done)
	wait := minPoll
	var lastLag time.Time
	for {
		r.mu.Lock()
		seq, epoch, pending := r.changes, r.epoch, r.changes > r.covered
		r.mu.Unlock()
		var primaryPos uint64
		var perr error = errors.New("not asked")
		if pending || time.Since(lastLag) >= idlePoll {
			if primaryPos, perr = r.position(ctx, r.primary, `SELECT pg_current_wal_insert_lsn()::text`); perr == nil && pending {
				r.learned(seq, primaryPos)
			}
		}
		pos, err := r.position(ctx, r.probe, `SELECT pg_last_wal_replay_lsn()::text`)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			r.failed()
		} else {
			r.measured(epoch, pos)
		}
		if perr == nil {
			lastLag = time.Now()
			if err != nil {
				r.lag.Store(-1)
			} else {
				r.lag.Store(int64(primaryPos - min(pos, primaryPos)))
			}
		}
		r.report(err)
		switch {
		case r.fresh():
			wait = idlePoll
		case wait >= idlePoll:
			wait = minPoll
		default:
			wait = min(wait*2, maxPoll)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-r.wake:
			wait = minPoll / 2 // doubled to minPoll on the next round, if behind
		case <-t.C:
		}
		t.Stop()
	}
}

// report logs the replica going out of use and coming back, once each.
func (r *replica) report(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil && (r.up || !r.said):
		r.up = false
		r.log.Warn("read replica unavailable: delivery reads go to the primary until it answers", "err", err)
	case err == nil && !r.up:
		r.up = true
		r.log.Info("read replica answers: delivery reads go to it once it has replayed the changes known")
	}
	r.said = true
}

// position runs a query answering one WAL position.
func (r *replica) position(ctx context.Context, q *sqlx.DB, query string) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTime)
	defer cancel()
	var s sql.NullString
	if err := q.GetContext(ctx, &s, query); err != nil {
		return 0, err
	}
	if !s.Valid {
		return 0, errNotStandby
	}
	return parseLSN(s.String)
}

// parseLSN reads PostgreSQL's text form of a WAL position, "16/B374D848".
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("not a WAL position: %q", s)
	}
	return h<<32 | l, nil
}

// checkedConnector opens the replica pool's connections, each one only
// once it has replayed what delivery needs (see replica.connected).
type checkedConnector struct {
	driver.Connector
	r *replica
}

func (c checkedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pos, err := replayedOn(ctx, conn)
	if err == nil && !c.r.connected(pos) {
		err = errReplicaBehind
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// replayedOn asks a new driver connection for its server's replay position.
func replayedOn(ctx context.Context, conn driver.Conn) (uint64, error) {
	q, ok := conn.(driver.QueryerContext)
	if !ok {
		return 0, errors.New("read replica: the driver cannot query")
	}
	rows, err := q.QueryContext(ctx, `SELECT pg_last_wal_replay_lsn()::text`, nil)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	v := make([]driver.Value, 1)
	if err := rows.Next(v); err != nil {
		return 0, err
	}
	switch s := v[0].(type) {
	case string:
		return parseLSN(s)
	case []byte:
		return parseLSN(string(s))
	case nil:
		return 0, errNotStandby
	}
	return 0, fmt.Errorf("read replica: unexpected replay position %T", v[0])
}

// source is where a read goes: a pool and the statements prepared on it.
type source struct {
	x     *sqlx.DB
	stmts *statements
}

// primarySource is where editor reads go, and delivery reads without a
// replica: the read pool (SQLite) or the one pool (PostgreSQL).
func (db *DB) primarySource() source { return source{db.r, db.stmts} }

// deliveryRead runs read on the replica when it has replayed every change
// this server knows of, and otherwise on the primary; also when the
// replica fails, which takes it out of use until the watcher sees it
// again (a replica that is down costs the primary its reads, not readers
// their answers). read must be safe to run twice.
func (db *DB) deliveryRead(ctx context.Context, read func(src source) error) error {
	r := db.rep
	if r == nil {
		return read(db.primarySource())
	}
	if r.fresh() {
		err := read(source{r.pool, r.stmts})
		if err == nil || ctx.Err() != nil || errors.As(err, new(*cms.Error)) {
			// An answer, or an error of the request's own (gone, timed
			// out) or of the domain (not found): not the replica's.
			r.replicaReads.Add(1)
			return err
		}
		r.failed()
		r.log.Debug("read replica failed a read; retrying on the primary", "err", err)
	}
	r.primaryReads.Add(1)
	return read(db.primarySource())
}

// ReplicaStats is what a read replica did, for metrics; ok is false when
// the store has none.
type ReplicaStats struct {
	// ReplicaReads and PrimaryReads count delivery reads by where they went.
	ReplicaReads, PrimaryReads uint64
	// LagBytes is how much WAL the primary has written that the replica
	// has not replayed, measured about every second; -1 when unknown.
	LagBytes int64
	// InUse reports whether delivery reads go to the replica now.
	InUse bool
}

// ReplicaStats returns the read replica's counters.
func (db *DB) ReplicaStats() (s ReplicaStats, ok bool) {
	r := db.rep
	if r == nil {
		return s, false
	}
	return ReplicaStats{ReplicaReads: r.replicaReads.Load(), PrimaryReads: r.primaryReads.Load(),
		LagBytes: r.lag.Load(), InUse: r.fresh()}, true
}
