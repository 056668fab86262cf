package workdays

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

func yearKey(year int) []byte { return []byte(strconv.Itoa(year)) }

// Get is year's calendar: the one an admin set, else the built-in one, else
// an empty (Monday–Friday) calendar.
func Get(tx *bolt.Tx, year int) (Calendar, error) {
	var c Calendar
	err := store.GetJSON(tx, store.BucketWorkdays, yearKey(year), &c)
	switch {
	case err == nil:
		return c, nil
	case !errors.Is(err, store.ErrNotFound):
		return c, err
	}
	if b, ok := Builtin(year); ok {
		return b, nil
	}
	return Calendar{Year: year, Holidays: []string{}, Workdays: []string{}}, nil
}

// Load is every known calendar (set or built-in) as one Calendars.
func Load(tx *bolt.Tx) (Calendars, error) {
	var cals []Calendar
	stored := map[int]bool{}
	err := store.ScanPrefix(tx, store.BucketWorkdays, nil, nil, func(k, v []byte) error {
		var c Calendar
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("workdays: decode %s: %w", k, err)
		}
		stored[c.Year] = true
		cals = append(cals, c)
		return nil
	})
	if err != nil {
		return Calendars{}, err
	}
	for y, b := range builtins() {
		if !stored[y] {
			cals = append(cals, b)
		}
	}
	return New(cals...), nil
}

// Service is the door to the calendars: anyone signed in reads, the admin
// sets a year.
type Service struct {
	db  *store.DB
	now store.Clock
}

// NewService makes the calendar service.
func NewService(db *store.DB, now store.Clock) *Service { return &Service{db: db, now: now} }

// Get reads year's calendar.
func (s *Service) Get(year int) (Calendar, error) {
	var c Calendar
	if year < 2000 || year > 2100 {
		return c, errs.New(errs.NotFound, "not_found", "没有该年份的日历", "no calendar for that year")
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		c, err = Get(tx, year)
		return err
	})
	return c, err
}

// Put replaces year's calendar (admin only), audited as workdays.set.
func (s *Service) Put(by auth.Principal, year int, c Calendar) (Calendar, error) {
	if by.Role != auth.RoleAdmin {
		return c, errs.ErrForbidden
	}
	if err := c.Validate(year); err != nil {
		return c, err
	}
	c.Year, c.Builtin, c.SetBy = year, false, by.Username
	c.Holidays, c.Workdays = sortDates(append([]string{}, c.Holidays...)), sortDates(append([]string{}, c.Workdays...))
	c.SetAt = s.now()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := store.PutJSON(tx, store.BucketWorkdays, yearKey(year), &c); err != nil {
			return err
		}
		return store.Audit(tx, c.SetAt, by.Actor(), "workdays.set", "workdays/"+strconv.Itoa(year),
			strconv.Itoa(len(c.Holidays))+" holidays, "+strconv.Itoa(len(c.Workdays))+" worked weekend days")
	})
	return c, err
}
