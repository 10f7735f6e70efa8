package problem

import (
	"fmt"
	"net/http"
)

// CodeQuotaExceeded: the company's storage quota (QUOTA_BYTES) is used up.
const CodeQuotaExceeded = "quota_exceeded"

// QuotaExceeded is 507 quota_exceeded: storing the file would take the library
// past its quota.
func QuotaExceeded(quota int64) *Problem {
	return New(http.StatusInsufficientStorage, CodeQuotaExceeded,
		fmt.Sprintf("the library's storage quota of %d bytes is used up", quota))
}
