package wire

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// TooLargeError is a body longer than the client's bound. It is final:
// never retried.
type TooLargeError struct{ Limit int64 }

// Error reads "the answer is larger than N bytes".
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the answer is larger than %d bytes", e.Limit)
}

// maxChunk bounds one chunk of a body being read; a larger body takes
// several, joined once at the end.
const maxChunk = 4 << 20

// ReadCapped reads r to its end, at most limit bytes. A longer stream ends
// the read with a *TooLargeError as soon as byte limit+1 arrives, and what
// was read is dropped. hint, when positive, is the declared length: it
// sizes the first chunk (up to 1 MiB, so that a false length costs
// little); later chunks double, up to 4 MiB each, as bytes really arrive.
// The bytes are held in chunks and joined once, so a body of n bytes
// allocates at most about 2n, and one beyond the limit about the limit.
func ReadCapped(r io.Reader, hint, limit int64) ([]byte, error) {
	size := int64(512)
	if hint >= 0 {
		size = min(hint+1, 1<<20)
	}
	size = max(min(size, limit+1), 1)
	var chunks [][]byte
	total := int64(0)
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			chunks = append(chunks, buf)
			next := min(int64(cap(buf))*2, maxChunk, limit+1-total)
			if next <= 0 {
				next = 1 // one byte more tells that the body is too large
			}
			buf = make([]byte, 0, next)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		total += int64(n)
		if total > limit {
			return nil, &TooLargeError{Limit: limit}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(chunks) == 0 {
		return buf, nil
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, buf...), nil
}

// BufferedBody is a body read whole within its attempt.
type BufferedBody struct {
	Buf []byte
	Off int
}

// Read reads the buffered bytes.
func (b *BufferedBody) Read(p []byte) (int, error) {
	if b.Off >= len(b.Buf) {
		return 0, io.EOF
	}
	n := copy(p, b.Buf[b.Off:])
	b.Off += n
	return n, nil
}

// Close does nothing: the connection's body is closed already.
func (b *BufferedBody) Close() error { return nil }

// BufferBody reads resp's body whole (at most limit bytes, see
// ReadCapped), closes it, and replaces it with the bytes read.
func BufferBody(resp *http.Response, limit int64) error {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	b, err := ReadCapped(resp.Body, resp.ContentLength, limit)
	if err != nil {
		resp.Body.Close()
		return err
	}
	DrainClose(resp.Body)
	resp.Body = &BufferedBody{Buf: b}
	return nil
}

// DrainClose reads a little of what is left of a body, so that the
// connection can be reused, and closes it.
func DrainClose(body io.ReadCloser) {
	if body == nil || body == http.NoBody {
		return
	}
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	body.Close()
}

// peekedBody is a body whose start was read: Buf, then whatever is left.
type peekedBody struct {
	buf  []byte
	r    io.Reader
	rest io.ReadCloser
}

// Read reads the peeked bytes, then the rest.
func (p *peekedBody) Read(b []byte) (int, error) { return p.r.Read(b) }

// Close closes the underlying body.
func (p *peekedBody) Close() error { return p.rest.Close() }

// PeekBody reads up to n bytes of resp's body and puts them back, so that
// whoever reads the body next reads it whole. A body peeked already
// returns the same bytes.
func PeekBody(resp *http.Response, n int64) []byte {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	if p, ok := resp.Body.(*peekedBody); ok {
		return p.buf
	}
	// A read error leaves what was read; the caller reports the status anyway.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, n))
	resp.Body = &peekedBody{buf: b, r: io.MultiReader(bytes.NewReader(b), resp.Body), rest: resp.Body}
	return b
}
