package redis

import (
	"context"
	"strings"

	"github.com/parleychat/parley/model"
	goredis "github.com/redis/go-redis/v9"
)

// CreateService implements model.Store. The SID goes into the global list
// first (a list entry whose service is missing is skipped by readers), then
// the service and its roles are written in one script in the service's
// slot.
func (s *Store) CreateService(ctx context.Context, svc *model.Service, roles []model.Role) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	js, err := enc(svc)
	if err != nil {
		return err
	}
	args := []any{js}
	for _, r := range roles {
		r.ServiceSID = svc.SID
		rj, err := enc(&r)
		if err != nil {
			return err
		}
		args = append(args, r.SID, rj)
	}
	w := wctx(ctx)
	if err := s.c.ZAdd(w, s.gk(kServices), goredis.Z{Member: svc.SID}).Err(); err != nil {
		return s.fail(err)
	}
	st, err := s.runStr(w, "service_create", s.svcKeys(svc.SID, kSvc, kRoles, kRolesZ, kTomb), args...)
	if err != nil {
		return err
	}
	return createStatus(st, nil)
}

// GetService implements model.Store.
func (s *Store) GetService(ctx context.Context, sid string) (*model.Service, error) {
	return getRec[model.Service](s, ctx, s.sk(sid, kSvc), "v")
}

// lexRange reads up to n members of zset z beyond cursor.
func (s *Store) lexRange(ctx context.Context, z string, up bool, cursor string, n int) ([]string, error) {
	var r *goredis.StringSliceCmd
	if up {
		lo := "-"
		if cursor != "" {
			lo = "(" + cursor
		}
		r = s.c.ZRangeByLex(ctx, z, &goredis.ZRangeBy{Min: lo, Max: "+", Count: int64(n)})
	} else {
		hi := "+"
		if cursor != "" {
			hi = "(" + cursor
		}
		r = s.c.ZRevRangeByLex(ctx, z, &goredis.ZRangeBy{Min: "-", Max: hi, Count: int64(n)})
	}
	l, err := r.Result()
	return l, s.fail(err)
}

// ListServices implements model.Store: the global list, then each
// service's record from its slot in one pipeline.
func (s *Store) ListServices(ctx context.Context, p model.PageRequest) (model.Page[model.Service], error) {
	if err := s.begin(ctx); err != nil {
		return model.Page[model.Service]{}, err
	}
	fetch := func(ctx context.Context, up bool, cursor string, n int) ([]entry, int, string, bool, error) {
		sids, err := s.lexRange(ctx, s.gk(kServices), up, cursor, n)
		if err != nil || len(sids) == 0 {
			return nil, 0, "", true, err
		}
		cmds := make([]*goredis.StringCmd, len(sids))
		_, err = s.c.Pipelined(ctx, func(pl goredis.Pipeliner) error {
			for i, sid := range sids {
				cmds[i] = pl.HGet(ctx, s.sk(sid, kSvc), "v")
			}
			return nil
		})
		if err != nil && err != goredis.Nil {
			return nil, 0, "", false, s.fail(err)
		}
		es := make([]entry, len(sids))
		for i, sid := range sids {
			es[i] = entry{sid: sid, val: cmds[i].Val()}
		}
		return es, len(sids), sids[len(sids)-1], true, nil
	}
	return pageOf(ctx, p, 0, fetch, func(e entry) (*model.Service, bool, error) {
		if e.val == "" {
			return nil, false, nil // being created or deleted
		}
		v, err := dec[model.Service](e.val)
		return v, err == nil, err
	})
}

// UpdateService implements model.Store.
func (s *Store) UpdateService(ctx context.Context, sid string, fn func(*model.Service) error) (*model.Service, error) {
	v, _, err := update(s, ctx, s.sk(sid, kSvc), "v", casMode{mode: "plain"}, nil, fn, func(old, cur *model.Service) {
		cur.SID, cur.AccountSID = old.SID, old.AccountSID
	})
	return v, err
}

// DeleteService implements model.Store, in steps (a service's keys span
// slots): (1) one script deletes every key of the service's slot and
// leaves a tombstone naming its channels: from then on the service, its
// roles, users and bindings are gone and nothing can be created under it;
// (2) each channel's slot is cleared (pipelined); (3) the tombstone and
// the global list entry go. Between (1) and (2) a reader that already
// knows a channel SID may still read it. A call that fails after (1) is
// finished by calling DeleteService again, which resumes from the
// tombstone.
func (s *Store) DeleteService(ctx context.Context, sid string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	w := wctx(ctx)
	keys := []string{s.op(s.sk(sid, kSvc))}
	keys = append(keys, s.svcKeys(sid, serviceKeys...)...)
	st, l, err := s.runList(w, "service_delete", keys, s.opTTL)
	if err != nil {
		return err
	}
	if st == "notfound" {
		return notFound()
	}
	if st != "ok" {
		return errUnexpected(st)
	}
	var calls []call
	for _, ch := range strings.Fields(str(l[1])) {
		ks := append([]string{s.op(s.ck(ch, kChan))}, s.chanKeys(ch, channelKeys...)...)
		calls = append(calls, call{keys: ks, args: []any{s.opTTL, sid, "purge"}})
	}
	if _, err := s.runPipe(w, "channel_delete", calls); err != nil {
		return err
	}
	if err := s.c.Del(w, s.sk(sid, kTomb)).Err(); err != nil {
		return s.fail(err)
	}
	return s.fail(s.c.ZRem(w, s.gk(kServices), sid).Err())
}

// call is one script call of a pipeline.
type call struct {
	keys []string
	args []any
}

// runPipe runs a script for many calls in pipelines of up to 128 (each
// node of a cluster gets its share), falling back to single calls for any
// that found the script not loaded. Replies are in call order; a script
// error or an unreachable Redis fails the whole call.
func (s *Store) runPipe(ctx context.Context, name string, calls []call) ([]any, error) {
	sc := s.sc[name]
	out := make([]any, len(calls))
	for lo := 0; lo < len(calls); lo += 128 {
		chunk := calls[lo:min(lo+128, len(calls))]
		cmds := make([]*goredis.Cmd, len(chunk))
		_, _ = s.c.Pipelined(ctx, func(pl goredis.Pipeliner) error {
			for i, c := range chunk {
				cmds[i] = sc.EvalSha(ctx, pl, c.keys, c.args...)
			}
			return nil
		})
		for i, cmd := range cmds {
			res, err := cmd.Result()
			if err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
				res, err = sc.Run(ctx, s.c, chunk[i].keys, chunk[i].args...).Result()
			}
			if err == goredis.Nil {
				res, err = nil, nil
			}
			if err != nil {
				return nil, s.fail(err)
			}
			out[lo+i] = res
		}
	}
	return out, nil
}

// CreateRole implements model.Store.
func (s *Store) CreateRole(ctx context.Context, r *model.Role) error {
	return s.create(ctx, s.sk(r.ServiceSID, kRoles), s.sk(r.ServiceSID, kRolesZ),
		guard{mode: "exists", key: s.sk(r.ServiceSID, kSvc)}, r.SID, r, 0, nil, "", "")
}

// GetRole implements model.Store.
func (s *Store) GetRole(ctx context.Context, serviceSID, sid string) (*model.Role, error) {
	return getRec[model.Role](s, ctx, s.sk(serviceSID, kRoles), sid)
}

// ListRoles implements model.Store. A missing service gives KindNotFound.
func (s *Store) ListRoles(ctx context.Context, serviceSID string, p model.PageRequest) (model.Page[model.Role], error) {
	return listRecs[model.Role](s, ctx, s.sk(serviceSID, kRolesZ), s.sk(serviceSID, kRoles),
		guard{mode: "exists", key: s.sk(serviceSID, kSvc)}, p)
}

// UpdateRole implements model.Store.
func (s *Store) UpdateRole(ctx context.Context, serviceSID, sid string, fn func(*model.Role) error) (*model.Role, error) {
	v, _, err := update(s, ctx, s.sk(serviceSID, kRoles), sid, casMode{mode: "plain"}, nil, fn, func(old, cur *model.Role) {
		cur.SID, cur.AccountSID, cur.ServiceSID, cur.Type = old.SID, old.AccountSID, old.ServiceSID, old.Type
	})
	return v, err
}

// DeleteRole implements model.Store.
func (s *Store) DeleteRole(ctx context.Context, serviceSID, sid string) error {
	_, err := s.del(ctx, s.sk(serviceSID, kRoles), s.sk(serviceSID, kRolesZ), sid, "plain", "", "")
	return err
}
