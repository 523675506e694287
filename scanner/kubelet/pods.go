package kubelet

import (
	"bytes"
	"encoding/json"
	"errors"
)

// countPods counts the items of a PodList by streaming JSON tokens (no pod
// is decoded). It returns -1 when the body was capped or is not a PodList.
func countPods(body []byte, truncated bool) int {
	if truncated {
		return -1
	}
	n, err := countItems(json.NewDecoder(bytes.NewReader(body)))
	if err != nil {
		return -1
	}
	return n
}

var errNotPodList = errors.New("not a JSON object with an items array")

// countItems walks the top-level object to its "items" array and counts
// the array's elements.
func countItems(dec *json.Decoder) (int, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return 0, err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0, err
		}
		if key != "items" {
			if err := skipValue(dec); err != nil {
				return 0, err
			}
			continue
		}
		tok, err := dec.Token()
		if err != nil {
			return 0, err
		}
		if tok == nil {
			return 0, nil // "items": null is an empty list
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return 0, errNotPodList
		}
		n := 0
		for dec.More() {
			if err := skipValue(dec); err != nil {
				return 0, err
			}
			n++
		}
		return n, nil
	}
	return 0, errNotPodList
}

// expectDelim reads one token and checks it is delim.
func expectDelim(dec *json.Decoder, delim json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != delim {
		return errNotPodList
	}
	return nil
}

// skipValue consumes one JSON value of any depth token by token.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}
