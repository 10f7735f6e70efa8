package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// BlobPutter is what ReadUpload needs of the blob store (*blobs.Store).
type BlobPutter interface {
	Put(ctx context.Context, r io.Reader, maxBytes int64, mediaType string) (blobs.Info, error)
}

// UploadSpec says what a multipart upload call accepts.
type UploadSpec struct {
	// MaxFileBytes bounds the file part (MAX_UPLOAD_BYTES); required.
	MaxFileBytes int64
	// Fields are the text fields accepted besides "file" (e.g. folder_id, name,
	// hidden). Any other part is refused, as unknown JSON members are.
	Fields []string
	// MaxFieldBytes bounds each text field (default 1024).
	MaxFieldBytes int
	// Authorize, when set, is called with the text fields read so far just before
	// the file part is streamed into the store: an upload refused there stores
	// nothing. TargetFields name the fields that say where the file goes; they must
	// come before the file part (after it: 400 naming the field).
	Authorize    func(ctx context.Context, fields map[string]string) error
	TargetFields []string
}

// Upload is a multipart upload whose file is already stored.
type Upload struct {
	File     blobs.Info
	FileName string            // sanitised (SanitizeFileName); "" when the client sent none
	Fields   map[string]string // the text fields present, by name
}

// FileField is the name of the part carrying the file.
const FileField = "file"

// multipartOverhead is what the body may hold beyond the file: boundaries, part
// headers and the small text fields.
const multipartOverhead = 1 << 20

// ReadUpload streams a multipart/form-data body: the "file" part goes straight into
// the blob store (hashed and written to disk as it arrives, never held in memory or
// spooled by net/http), and the small text fields are collected. Fields may come
// before or after the file. Errors: 415 for another media type, 413 beyond the
// limit, 400 naming the part for a missing, repeated, unknown or malformed one, and
// the blob store's own (507 when the disk is full).
//
// A file stored before a later part turns out to be bad stays in the store until
// `sharehub blobs gc` removes it: blobs are content-addressed and only referenced
// once an event names them. Callers that know the target before the file
// (UploadSpec.Authorize) refuse what the caller may not upload before storing it.
func ReadUpload(w http.ResponseWriter, r *http.Request, store BlobPutter, spec UploadSpec) (Upload, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return Upload{}, problem.UnsupportedMediaType("multipart/form-data")
	}
	if spec.MaxFileBytes <= 0 {
		return Upload{}, errors.New("upload: MaxFileBytes must be positive")
	}
	if spec.MaxFieldBytes <= 0 {
		spec.MaxFieldBytes = 1024
	}
	limit := spec.MaxFileBytes + multipartOverhead
	body := http.MaxBytesReader(w, r.Body, limit)
	return readParts(r.Context(), multipart.NewReader(body, params["boundary"]), store, spec, limit)
}

func readParts(ctx context.Context, mr *multipart.Reader, store BlobPutter, spec UploadSpec, limit int64) (Upload, error) {
	up := Upload{Fields: map[string]string{}}
	haveFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Upload{}, bodyError(err, limit)
		}
		name := part.FormName()
		switch {
		case name == FileField:
			if haveFile {
				return Upload{}, problem.Validation(FileField, "must be given once")
			}
			haveFile = true
			if spec.Authorize != nil {
				if err := spec.Authorize(ctx, up.Fields); err != nil {
					return Upload{}, err
				}
			}
			up.FileName = SanitizeFileName(part.FileName())
			info, err := store.Put(ctx, &partReader{part}, spec.MaxFileBytes, declaredType(part.Header.Get("Content-Type")))
			if err != nil {
				var pe *partError
				if errors.As(err, &pe) {
					return Upload{}, bodyError(pe.err, limit)
				}
				return Upload{}, err // blobs.ErrTooLarge -> 413, ErrNoSpace -> 507, I/O -> 500
			}
			up.File = info
		case slices.Contains(spec.Fields, name):
			if haveFile && slices.Contains(spec.TargetFields, name) {
				return Upload{}, problem.Validation(name, "must come before the file part")
			}
			if _, dup := up.Fields[name]; dup {
				return Upload{}, problem.Validation(name, "must be given once")
			}
			v, err := io.ReadAll(io.LimitReader(part, int64(spec.MaxFieldBytes)+1))
			if err != nil {
				return Upload{}, bodyError(err, limit)
			}
			switch {
			case len(v) > spec.MaxFieldBytes:
				return Upload{}, problem.Validation(name, fmt.Sprintf("must be at most %d bytes", spec.MaxFieldBytes))
			case !utf8.Valid(v):
				return Upload{}, problem.Validation(name, "must be valid UTF-8")
			case strings.IndexFunc(string(v), unicode.IsControl) >= 0:
				return Upload{}, problem.Validation(name, "must not contain control characters")
			}
			up.Fields[name] = string(v)
		case name == "":
			return Upload{}, problem.Validation("body", "every part needs a form-data name")
		default:
			return Upload{}, problem.Validation(safeFieldName(name), "is not a known field")
		}
		_ = part.Close()
	}
	if !haveFile {
		return Upload{}, problem.Validation(FileField, "is required")
	}
	return up, nil
}

// partReader marks errors of the request body, so that a truncated or malformed
// upload answers 400 (or 413) instead of looking like a disk failure.
type partReader struct{ r io.Reader }

type partError struct{ err error }

func (e *partError) Error() string { return "request body: " + e.err.Error() }
func (e *partError) Unwrap() error { return e.err }

func (p *partReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && err != io.EOF {
		err = &partError{err}
	}
	return n, err
}

func bodyError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return problem.PayloadTooLarge(limit)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return problem.Validation("body", "is not a well-formed multipart/form-data body")
}

// declaredType is the part's media type when it says something useful; "" lets the
// blob store sniff. application/octet-stream is what clients send when they do not
// know. Parameters other than charset are dropped.
func declaredType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt == "application/octet-stream" || !strings.Contains(mt, "/") {
		return ""
	}
	keep := map[string]string{}
	if cs, ok := params["charset"]; ok {
		keep["charset"] = strings.ToLower(cs)
	}
	return mime.FormatMediaType(mt, keep)
}

// safeFieldName is an unknown part's name as it may appear in a detail: short and
// printable.
func safeFieldName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, name)
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// MaxFileNameBytes caps a stored file name (what most file systems accept).
const MaxFileNameBytes = 255

// SanitizeFileName turns a client-supplied file name into one safe to store and to
// send back in Content-Disposition: the last path element only (either slash), valid
// UTF-8, no control or invisible formatting characters (which could disguise
// "report\u202Efdp.exe"), trimmed, not "." or "..", at most MaxFileNameBytes bytes
// cut at a character boundary. It may return "".
func SanitizeFileName(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	if len(name) > MaxFileNameBytes {
		cut := MaxFileNameBytes
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = strings.TrimSpace(name[:cut])
	}
	return name
}
