package domain

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// State is every aggregate of a log, rebuilt by applying its events in order. It is
// the pure model of the whole system: tests use it as the world commands run
// against, and projections and audit replays use it as an oracle (for instance
// State.PortalView after applying the log up to an instant).
type State struct {
	streams map[string]Aggregate
}

// Aggregate is what every aggregate offers a loader: replaying its stream and the
// version that reached.
type Aggregate interface {
	Replay(events ...Event)
	Version() int64
	Exists() bool
}

// NewState returns an empty state.
func NewState() *State { return &State{streams: map[string]Aggregate{}} }

// Apply routes each event to the aggregate of its stream.
func (s *State) Apply(events ...Event) error {
	for _, e := range events {
		stream := StreamOf(e)
		if stream == "" {
			return fmt.Errorf("apply %s: event outside the catalogue", e.EventType())
		}
		a, err := s.aggregate(stream)
		if err != nil {
			return err
		}
		a.Replay(e)
	}
	return nil
}

// ApplyChanges applies a decision as a store would: every change's Version must be
// its stream's current version, else nothing is applied and the error wraps
// ErrConcurrencyConflict.
func (s *State) ApplyChanges(changes []Change) error {
	seen := map[string]int64{}
	for _, c := range changes {
		want, ok := seen[c.Stream]
		if !ok {
			want = s.Version(c.Stream)
		}
		if c.Version != want {
			return fmt.Errorf("stream %s at version %d, change expects %d: %w", c.Stream, want, c.Version, ErrConcurrencyConflict)
		}
		for _, e := range c.Events {
			if StreamOf(e) != c.Stream {
				return fmt.Errorf("%s belongs to %s, not %s", e.EventType(), StreamOf(e), c.Stream)
			}
		}
		seen[c.Stream] = want + int64(len(c.Events))
	}
	for _, c := range changes {
		if err := s.Apply(c.Events...); err != nil {
			return err
		}
	}
	return nil
}

// Version is the stream's current version (0: no such stream).
func (s *State) Version(stream string) int64 {
	if a, ok := s.streams[stream]; ok {
		return a.Version()
	}
	return 0
}

func (s *State) aggregate(stream string) (Aggregate, error) {
	if a, ok := s.streams[stream]; ok {
		return a, nil
	}
	kind, _, err := ParseStream(stream)
	if err != nil {
		return nil, err
	}
	a := NewAggregate(kind)
	s.streams[stream] = a
	return a, nil
}

// NewAggregate returns an empty aggregate for a stream kind (nil for an unknown
// kind). Loaders replay a stream into it.
func NewAggregate(kind string) Aggregate {
	switch kind {
	case KindCompany:
		return &Company{}
	case KindUser:
		return &User{}
	case KindGroup:
		return &Group{}
	case KindCustomer:
		return &Customer{}
	case KindFolder:
		return &Folder{}
	case KindDocument:
		return &Document{}
	case KindShare:
		return &Share{}
	case KindLink:
		return &Link{}
	case KindDownload:
		return &Download{}
	case KindLinkOpen:
		return &LinkOpen{}
	case KindProjection:
		return &ProjectionOps{}
	case KindRequest:
		return &DocumentRequest{}
	}
	return nil
}

func get[T any, PT interface {
	*T
	Aggregate
}](s *State, stream string) PT {
	if a, ok := s.streams[stream].(PT); ok {
		return a
	}
	return PT(new(T))
}

// The getters below never return nil: an aggregate that does not exist is returned
// empty (Exists() false), as a command would see it.

func (s *State) Company(id uuid.UUID) *Company   { return get[Company](s, CompanyStream(id)) }
func (s *State) User(id uuid.UUID) *User         { return get[User](s, UserStream(id)) }
func (s *State) Group(id uuid.UUID) *Group       { return get[Group](s, GroupStream(id)) }
func (s *State) Customer(id uuid.UUID) *Customer { return get[Customer](s, CustomerStream(id)) }
func (s *State) Folder(id uuid.UUID) *Folder     { return get[Folder](s, FolderStream(id)) }
func (s *State) Document(id uuid.UUID) *Document { return get[Document](s, DocumentStream(id)) }
func (s *State) Share(id uuid.UUID) *Share       { return get[Share](s, ShareStream(id)) }
func (s *State) Link(id uuid.UUID) *Link         { return get[Link](s, LinkStream(id)) }
func (s *State) Request(id uuid.UUID) *DocumentRequest {
	return get[DocumentRequest](s, RequestStream(id))
}

func all[T any, PT interface {
	*T
	Aggregate
}](s *State) []PT {
	var out []PT
	for _, a := range s.streams {
		if a, ok := a.(PT); ok {
			out = append(out, a)
		}
	}
	return out
}

func sortedByID[T any](xs []T, id func(T) uuid.UUID) []T {
	slices.SortFunc(xs, func(a, b T) int { return compareUUID(id(a), id(b)) })
	return xs
}

// Customers lists every customer, sorted by id.
func (s *State) Customers() []*Customer {
	return sortedByID(all[Customer](s), func(c *Customer) uuid.UUID { return c.ID })
}

// Shares lists every share, sorted by id.
func (s *State) Shares() []*Share {
	return sortedByID(all[Share](s), func(x *Share) uuid.UUID { return x.ID })
}

// Links lists every link, sorted by id.
func (s *State) Links() []*Link {
	return sortedByID(all[Link](s), func(x *Link) uuid.UUID { return x.ID })
}

// Folders lists every folder, sorted by id.
func (s *State) Folders() []*Folder {
	return sortedByID(all[Folder](s), func(x *Folder) uuid.UUID { return x.ID })
}

// Documents lists every document, sorted by id.
func (s *State) Documents() []*Document {
	return sortedByID(all[Document](s), func(x *Document) uuid.UUID { return x.ID })
}

// PortalInput gathers what ComputePortalView needs for one customer: the
// provider's whole library and the customer's shares.
func (s *State) PortalInput(customerID uuid.UUID) PortalInput {
	c := s.Customer(customerID)
	in := PortalInput{
		Customer:                c,
		DocumentsEnabledDefault: s.Company(c.ProviderID).DocumentsEnabledDefault,
		Folders:                 map[uuid.UUID]*Folder{},
		Documents:               map[uuid.UUID]*Document{},
		Shares:                  map[uuid.UUID]*Share{},
	}
	for _, a := range s.streams {
		switch a := a.(type) {
		case *Folder:
			if a.ProviderID == c.ProviderID {
				in.Folders[a.ID] = a
			}
		case *Document:
			if a.ProviderID == c.ProviderID {
				in.Documents[a.ID] = a
			}
		case *Share:
			if a.CustomerID == c.ID {
				in.Shares[a.ID] = a
			}
		}
	}
	return in
}

// PortalView is what the customer sees given everything applied so far.
func (s *State) PortalView(customerID uuid.UUID) PortalView {
	return ComputePortalView(s.PortalInput(customerID))
}

// PortalViewAt is what the customer sees at instant at given everything
// applied so far: shares expired at that instant no longer count.
func (s *State) PortalViewAt(customerID uuid.UUID, at time.Time) PortalView {
	in := s.PortalInput(customerID)
	in.At = at
	return ComputePortalView(in)
}
