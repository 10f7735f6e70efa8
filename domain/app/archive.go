package app

import (
	"context"

	"github.com/sharehub/sharehub/domain"
)

// RecordArchiveDownload records the download of one document of a folder's
// ZIP archive, exactly as RecordDownload does (the portal must show it now;
// DocumentDownloaded of its newest visible version), with Via
// domain.DownloadViaArchive. The archive records each document just before its
// bytes are sent, so one that stopped being visible since the listing is left
// out (domain.ErrNotFound) and the log holds what was sent.
func (s *Service) RecordArchiveDownload(ctx context.Context, call Call, cmd DocumentRef) (Download, error) {
	return s.recordDownload(ctx, call, cmd, domain.DownloadViaArchive)
}
