package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"kontext"
)

// keyPrefix starts every API key, so that keys are recognisable in
// configuration files and by secret scanners.
const keyPrefix = "kx_"

// prefixLen is how much of a key is stored in clear for identification.
const prefixLen = len(keyPrefix) + 8

// Key is an API key's record; its secret is shown once, at creation, and
// only its SHA-256 is stored.
type Key struct {
	ID         string                 `json:"id"`
	Tenant     string                 `json:"tenant"`
	Prefix     string                 `json:"prefix"`
	User       string                 `json:"user"`
	Groups     []string               `json:"groups"`
	Clearance  kontext.Classification `json:"clearance"`
	Role       kontext.Role           `json:"role"`
	Name       string                 `json:"name,omitempty"`
	CreatedAt  time.Time              `json:"created_at"`
	RevokedAt  *time.Time             `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time             `json:"last_used_at,omitempty"`
}

// Principal returns the principal the key authenticates.
func (k Key) Principal() kontext.Principal {
	return kontext.Principal{Tenant: k.Tenant, User: k.User, Groups: k.Groups, Clearance: k.Clearance, Role: k.Role}
}

// Keys stores tenants and API keys and authenticates requests.
type Keys struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewKeys returns a key store on pool (the application role's).
func NewKeys(pool *pgxpool.Pool) *Keys {
	return &Keys{pool: pool, now: time.Now}
}

// inTenant runs fn in a transaction declared for tenant.
func (k *Keys) inTenant(ctx context.Context, tenant string, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.tenant', $1, true)", tenant); err != nil {
			return err
		}
		return fn(tx)
	})
}

// CreateTenant registers a tenant. Creating one that exists is a conflict.
func (k *Keys) CreateTenant(ctx context.Context, id, name string) error {
	if err := kontext.ValidateTenant(id); err != nil {
		return err
	}
	err := k.inTenant(ctx, id, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO tenants (id, name) VALUES ($1, $2)", id, name)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("tenant %q already exists: %w", id, kontext.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create tenant %s: %w", id, err)
	}
	return nil
}

// CreateKey makes a key for the principal and returns its record and the
// secret, which is not stored and cannot be shown again.
func (k *Keys) CreateKey(ctx context.Context, p kontext.Principal, name string) (Key, string, error) {
	if p.User == "" {
		return Key{}, "", kontext.Invalidf("user", "is required")
	}
	if p.Role == "" {
		return Key{}, "", kontext.Invalidf("role", "is required")
	}
	if err := p.Validate(); err != nil {
		return Key{}, "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Key{}, "", fmt.Errorf("create key: %w", err)
	}
	secret := keyPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	hash := sha256.Sum256([]byte(secret))
	key := Key{Tenant: p.Tenant, Prefix: secret[:prefixLen], User: p.User, Groups: nonNil(p.Groups),
		Clearance: p.Clearance, Role: p.Role, Name: name}
	err := k.inTenant(ctx, p.Tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO api_keys (tenant, prefix, hash, user_id, groups, clearance, role, name)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, created_at`,
			key.Tenant, key.Prefix, hash[:], key.User, key.Groups, key.Clearance, key.Role, key.Name).
			Scan(&key.ID, &key.CreatedAt)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return Key{}, "", fmt.Errorf("tenant %q does not exist (create it with `kontext tenants create %s`): %w", p.Tenant, p.Tenant, kontext.ErrNotFound)
	}
	if err != nil {
		return Key{}, "", fmt.Errorf("create key: %w", err)
	}
	return key, secret, nil
}

const keyColumns = `id, tenant, prefix, user_id, groups, clearance, role, name, created_at, revoked_at, last_used_at`

func scanKey(row pgx.Row) (Key, error) {
	var key Key
	err := row.Scan(&key.ID, &key.Tenant, &key.Prefix, &key.User, &key.Groups, &key.Clearance, &key.Role,
		&key.Name, &key.CreatedAt, &key.RevokedAt, &key.LastUsedAt)
	return key, err
}

// ListKeys returns the tenant's keys, newest first, without secrets.
func (k *Keys) ListKeys(ctx context.Context, tenant string) ([]Key, error) {
	if err := kontext.ValidateTenant(tenant); err != nil {
		return nil, err
	}
	var keys []Key
	err := k.inTenant(ctx, tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+keyColumns+" FROM api_keys WHERE tenant = $1 ORDER BY created_at DESC, id", tenant)
		if err != nil {
			return err
		}
		keys, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Key, error) { return scanKey(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return keys, nil
}

// RevokeKey revokes a key of the tenant; it stops working at once. A key
// that does not exist, belongs to another tenant or is malformed is
// ErrNotFound; revoking a revoked key is a no-op.
func (k *Keys) RevokeKey(ctx context.Context, tenant, id string) error {
	if err := kontext.ValidateTenant(tenant); err != nil {
		return err
	}
	var n int64
	err := k.inTenant(ctx, tenant, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
			WHERE id::text = $1 AND tenant = $2`, id, tenant)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke key: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("key %q: %w", id, kontext.ErrNotFound)
	}
	return nil
}

// ErrKeyRevoked is returned by Authenticate for a revoked key; it matches
// kontext.ErrUnauthenticated.
var ErrKeyRevoked = fmt.Errorf("api key revoked: %w", kontext.ErrUnauthenticated)

// Authenticate returns the key record for a presented secret. Unknown and
// malformed keys are ErrUnauthenticated, revoked ones ErrKeyRevoked. The
// lookup runs under row-level security with only the key's hash declared,
// so it can see that one row and nothing else.
func (k *Keys) Authenticate(ctx context.Context, secret string) (Key, error) {
	if !strings.HasPrefix(secret, keyPrefix) || len(secret) != len(keyPrefix)+43 {
		return Key{}, fmt.Errorf("malformed api key: %w", kontext.ErrUnauthenticated)
	}
	hash := sha256.Sum256([]byte(secret))
	var key Key
	err := pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.key_hash', $1, true)", hex.EncodeToString(hash[:])); err != nil {
			return err
		}
		var err error
		key, err = scanKey(tx.QueryRow(ctx, "SELECT "+keyColumns+" FROM api_keys WHERE hash = $1", hash[:]))
		if err != nil {
			return err
		}
		if key.RevokedAt != nil {
			return nil
		}
		// Recording every use would turn reads into writes; a minute's
		// resolution is enough to tell a key in use from a forgotten one.
		_, err = tx.Exec(ctx, `UPDATE api_keys SET last_used_at = now()
			WHERE hash = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, hash[:])
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Key{}, fmt.Errorf("unknown api key: %w", kontext.ErrUnauthenticated)
	}
	if err != nil {
		return Key{}, fmt.Errorf("authenticate: %w", err)
	}
	if key.RevokedAt != nil {
		return key, ErrKeyRevoked
	}
	return key, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
