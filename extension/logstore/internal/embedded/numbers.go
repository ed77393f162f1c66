package embedded

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"github.com/paylog/paylog/internal/logquery"
)

// Records keep a pattern id as a small number the store assigns (1, 2, ...),
// not as the id's 13 characters: the engine then stores the column as one or
// two bytes per row without a bloom filter, where the ids, about 50 distinct
// values in a block, took 2 bytes per log after compression (5% of the
// store). Searches and results still speak ids; the engine translates.
//
// The number of each id is kept in rows of a tenant of their own, one per
// number and day it is used in, stamped with the time of a record of that
// day: like the catalog's templates, they sit in the day partition of the
// records that need them, expire with them and become durable with them. A
// writer adds a number's row to its rows before the first record that uses
// it, unless that row is known to be in the store already, so no record can
// become durable without the row that explains it.
//
// Rows written before numbers keep their ids as strings: filters match both
// forms, and a stored value that is not a decimal number is read as an id. An
// id of digits only is stored as a number too, and a search for one that is
// not a known id matches nothing, since its digits would read as a number.

// The numbers live in memory, about 200 bytes an id with their maps, and
// only a restart forgets those of days retention removed. A miner that keeps
// making new patterns (messages that match nothing, evictions) would make
// that grow without end, so past maxPatternNumbers numbers a new id is
// stored as it is, as records before numbers were.

// maxPatternNumbers bounds the ids the store numbers (about 40 MB): ten
// times the patterns processor's default max_patterns.
const maxPatternNumbers = 200_000

// numbersTenant holds the number rows; searches never read it.
var numbersTenant = logstorage.TenantID{ProjectID: 3}

// fieldNumber is the number in a number row; its pattern_id is the id.
const fieldNumber = "number"

type numberDay struct {
	number uint32
	day    int64 // days since the Unix epoch, UTC
}

// patternNumbers is the in-memory view of the number rows.
type patternNumbers struct {
	mu sync.RWMutex
	// byID is the number new records of a pattern store.
	byID map[string]uint32
	// ids maps every number in the store to its pattern id, and numbersOf
	// each id to its numbers: one, as this engine writes them; a list so
	// that number rows which disagree still find every record.
	ids       map[uint32]string
	numbersOf map[string][]uint32
	// stored holds the (number, day) pairs whose row is in the store.
	stored map[numberDay]struct{}
	last   uint32
	// limit is maxPatternNumbers (smaller in tests).
	limit int
}

func newPatternNumbers() *patternNumbers {
	return &patternNumbers{byID: map[string]uint32{}, ids: map[uint32]string{}, numbersOf: map[string][]uint32{},
		stored: map[numberDay]struct{}{}, limit: maxPatternNumbers}
}

// numberOf returns the number of id, assigning the next one to a new id;
// numbered is false for a new id past the limit, which records then store
// as it is. An id of digits only is always numbered: as it is, it would read
// as a number.
func (p *patternNumbers) numberOf(id string) (n uint32, numbered bool) {
	p.mu.RLock()
	n, ok := p.byID[id]
	p.mu.RUnlock()
	if ok {
		return n, true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n, ok := p.byID[id]; ok {
		return n, true
	}
	if len(p.ids) >= p.limit && !allDigits(id) {
		return 0, false
	}
	n = p.last + 1
	p.add(strings.Clone(id), n)
	return n, true
}

// add records that n stands for id; the caller holds p.mu.
func (p *patternNumbers) add(id string, n uint32) {
	p.ids[n] = id
	p.numbersOf[id] = append(p.numbersOf[id], n)
	if old, ok := p.byID[id]; !ok || n > old {
		p.byID[id] = n
	}
	p.last = max(p.last, n)
}

// isStored reports whether the row of number n for day is in the store.
func (p *patternNumbers) isStored(nd numberDay) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	_, ok := p.stored[nd]
	return ok
}

// markStored records rows that are now in the store.
func (p *patternNumbers) markStored(rows []numberDay) {
	if len(rows) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, nd := range rows {
		p.stored[nd] = struct{}{}
	}
}

// forgetBefore drops the rows of days before day: retention removed them.
// Numbers stay assigned: a record of an older day may still be read.
func (p *patternNumbers) forgetBefore(day int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	maps.DeleteFunc(p.stored, func(nd numberDay, _ struct{}) bool { return nd.day < day })
}

// learn records that number n stands for id, as a number row says.
func (p *patternNumbers) learn(id string, n uint32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, taken := p.ids[n]; taken {
		return
	}
	p.add(strings.Clone(id), n)
}

// patternID reads a stored pattern_id value: a number is looked up, anything
// else is an id stored before numbers.
func (p *patternNumbers) patternID(stored string) string {
	n, ok := parseNumber(stored)
	if !ok {
		return stored
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if id, ok := p.ids[n]; ok {
		return id
	}
	return stored
}

// parseNumber parses a stored number: decimal digits without a leading zero.
func parseNumber(s string) (uint32, bool) {
	if s == "" || s[0] == '0' || !allDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// storedForms says how a search term on pattern_id is matched in the store:
// the numbers of the id (or of every id with the prefix), and whether to
// match the term as written too, for records stored before numbers; not
// when its digits would match numbers instead.
func (p *patternNumbers) storedForms(t *logquery.Term) ([]string, bool) {
	p.mu.RLock()
	var matched []uint32
	if t.Kind == logquery.TermPrefix {
		for id, numbers := range p.numbersOf {
			if strings.HasPrefix(id, t.Value) {
				matched = append(matched, numbers...)
			}
		}
	} else {
		matched = append(matched, p.numbersOf[t.Value]...)
	}
	p.mu.RUnlock()
	return formatNumbers(nil, matched), !allDigits(t.Value)
}

// storedValues lists the stored forms of ids: each id and its numbers.
func (p *patternNumbers) storedValues(ids []string) []string {
	values := make([]string, 0, 2*len(ids))
	var matched []uint32
	p.mu.RLock()
	for _, id := range ids {
		if !allDigits(id) {
			values = append(values, id)
		}
		matched = append(matched, p.numbersOf[id]...)
	}
	p.mu.RUnlock()
	return formatNumbers(values, matched)
}

// formatNumbers appends numbers in decimal, in order: the same search
// compiles to the same query.
func formatNumbers(dst []string, numbers []uint32) []string {
	slices.Sort(numbers)
	for _, n := range numbers {
		dst = append(dst, strconv.FormatUint(uint64(n), 10))
	}
	return dst
}

// toLogsQL compiles a search filter for the records' tenants.
func (e *Engine) toLogsQL(n logquery.Node) string {
	return logquery.ToLogsQLWith(n, func(t *logquery.Term) ([]string, bool, bool) {
		if t.Field != logquery.FieldPatternID {
			return nil, false, false
		}
		numbers, literal := e.numbers.storedForms(t)
		return numbers, literal, true
	})
}

// appendNumberRow adds the row saying that number n stands for id on the day of ts.
func appendNumberRow(lr *logstorage.LogRows, n uint32, id string, ts int64, buf []byte) []byte {
	buf = strconv.AppendUint(buf[:0], uint64(n), 10)
	lr.MustAdd(numbersTenant, ts, []logstorage.Field{
		{Name: fieldPatternID, Value: id},
		{Name: fieldNumber, Value: unsafeString(buf)},
	}, 0)
	return buf
}

// loadNumbers reads every number row of the store.
func (e *Engine) loadNumbers(ctx context.Context) error {
	query := fmt.Sprintf(`* | stats by (%s, %s) count() as rows`, fieldPatternID, fieldNumber)
	return e.readRows(ctx, numbersTenant, query, math.MinInt64, math.MaxInt64, func(cols map[string][]string, i int) error {
		n, ok := parseNumber(cols[fieldNumber][i])
		if !ok {
			return fmt.Errorf("number row of pattern %s: bad number %q", strconv.Quote(cols[fieldPatternID][i]), cols[fieldNumber][i])
		}
		e.numbers.learn(cols[fieldPatternID][i], n)
		return nil
	})
}
