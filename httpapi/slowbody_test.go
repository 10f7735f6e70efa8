package httpapi

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sharehub/sharehub/httpapi/connlimit"
)

// closedWithin reads from c until the server closes it, and fails the test when
// it is still open after guard (a generous multiple of the deadline under test,
// only there so that a regression fails instead of hanging). It returns what the
// server wrote.
func closedWithin(t *testing.T, c net.Conn, guard time.Duration, what string) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(guard))
	b, err := io.ReadAll(c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: the connection was still open after %s", what, guard)
	}
	return string(b)
}

func dialRaw(t *testing.T, url string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// A client that sends headers and then trickles (or stops sending) its body no
// longer holds the connection past the request's deadline: JSON bodies must arrive
// within RequestTimeout, upload bodies must not stall for BodyIdleTimeout. Nothing
// is appended.
func TestSlowBodiesAreCutOff(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) {
		c.RequestTimeout = time.Second
		c.BodyIdleTimeout = time.Second
	}, nil)
	provider := ts.signupCompany(t, "Slowloris Target")
	folder := ts.folder(t, provider, `{"name":"Inbox"}`)
	before := countEvents(t, ts)

	// A signup whose body stops after 20 of 200 bytes.
	c := dialRaw(t, ts.url)
	if _, err := io.WriteString(c, "POST /api/v1/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"company_name\":\"Sl"); err != nil {
		t.Fatal(err)
	}
	closedWithin(t, c, 20*time.Second, "stalled JSON body")

	// A JSON body trickled one byte every 200 ms: each byte arrives well within the
	// idle time of any per-read deadline, but the whole never within the timeout.
	c = dialRaw(t, ts.url)
	body := `{"company_name":"Trickle","name":"T","email":"t@trickle.test","password":"correct horse battery"}`
	if _, err := io.WriteString(c, "POST /api/v1/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range len(body) {
			if _, err := io.WriteString(c, body[i:i+1]); err != nil {
				return // the server closed it
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	closedWithin(t, c, 15*time.Second, "trickled JSON body")
	c.Close()
	<-done

	// An upload whose multipart body stalls.
	c = dialRaw(t, ts.url)
	if _, err := io.WriteString(c, "POST /api/v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+provider.Token+
		"\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: 100000\r\n\r\n--XX\r\nContent-Disposition: form-data; name=\"folder_id\"\r\n\r\n"+
		folder.ID.String()+"\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nsome bytes"); err != nil {
		t.Fatal(err)
	}
	closedWithin(t, c, 20*time.Second, "stalled upload")
	expectUnchanged(t, ts, "slow bodies", before)

	// A slow but flowing upload still arrives.
	a := ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": folder.ID.String()}, "ok.txt", "content")
	expectWritten(t, "upload", a, 201)
}

// One address may hold only so many connections: the next is closed before a byte
// is read, the ones it holds keep working, and a closed one frees its slot.
func TestConnectionsPerAddressAreCapped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	srv := httptest.NewUnstartedServer(ts.Handler())
	refused := make(chan string, 10)
	srv.Listener = connlimit.Listener(srv.Listener, 2, func(addr string) { refused <- addr })
	srv.Start()
	t.Cleanup(srv.Close)

	first, second := dialRaw(t, srv.URL), dialRaw(t, srv.URL)
	// Make sure both were accepted (the listener counts at accept).
	for _, c := range []net.Conn{first, second} {
		healthz(t, c)
	}
	third := dialRaw(t, srv.URL)
	closedWithin(t, third, 20*time.Second, "a third connection from the same address")
	if addr := <-refused; addr != "127.0.0.1" {
		t.Fatalf("refused %q", addr)
	}
	healthz(t, first) // still served

	second.Close()
	// The server notices the close on its next read; then a new connection fits.
	for attempt := 0; ; attempt++ {
		c := dialRaw(t, srv.URL)
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
		}
		c.Close()
		if attempt == 100 {
			t.Fatal("a closed connection never freed its slot")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func healthz(t *testing.T, c net.Conn) {
	t.Helper()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
}
