package httpapi

import (
	"io"
	"net/http/httptest"
	"testing"
)

func metricsAnswer(t *testing.T, ms *httptest.Server) answer {
	t.Helper()
	resp, err := ms.Client().Get(ms.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}
