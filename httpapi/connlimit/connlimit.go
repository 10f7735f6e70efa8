// Package connlimit caps the connections one client address may hold open on a
// listener. A client that opens connections and trickles bytes into them (a slow
// body, a slow header) otherwise holds server goroutines, buffers and database
// work for as long as the server's timeouts allow, and with enough connections
// starves everyone else; the cap makes that cost one address a bounded share.
//
// Over the cap a new connection is closed at once, before any byte is read (the
// client sees a reset or EOF, as from an overloaded server). Addresses are grouped
// as throttle.ClientAddr groups them (IPv4 host, IPv6 /64). The count is
// per process and per listener.
//
// It imports only the standard library; nothing of ours.
package connlimit

import (
	"net"
	"net/netip"
	"sync"
)

// Listener wraps ln so that at most perAddr connections per client address are
// open at once (perAddr < 1: no cap, ln is returned as is). onRefused, when not
// nil, is called with the address of each connection closed over the cap.
func Listener(ln net.Listener, perAddr int, onRefused func(addr string)) net.Listener {
	if perAddr < 1 {
		return ln
	}
	return &listener{Listener: ln, max: perAddr, open: map[string]int{}, onRefused: onRefused}
}

type listener struct {
	net.Listener
	max       int
	onRefused func(string)

	mu   sync.Mutex
	open map[string]int
}

// Accept returns the next connection within its address's cap, closing those
// over it.
func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := addrKey(c.RemoteAddr())
		if l.take(key) {
			return &conn{Conn: c, release: func() { l.release(key) }}, nil
		}
		_ = c.Close()
		if l.onRefused != nil {
			l.onRefused(key)
		}
	}
}

func (l *listener) take(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.max {
		return false
	}
	l.open[key]++
	return true
}

func (l *listener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and frees its slot (once, however often it is called).
func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// addrKey is the client's IP (IPv6 grouped by /64, as one host usually owns one).
func addrKey(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return a.String()
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
