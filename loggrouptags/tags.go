package loggrouptags

import (
	"fmt"
	"strings"
)

// MaxTagLen is the longest DogStatsD tag Datadog keeps, key:value included.
const MaxTagLen = 200

// Key copies the AWS tag AWS (matched exactly, else ignoring case: "Team"
// for "team") to the DogStatsD tag Tag.
type Key struct {
	AWS string
	Tag string
}

func (k Key) validate() error {
	if k.AWS == "" {
		return fmt.Errorf("loggrouptags: empty AWS tag key")
	}
	if !validTagName(k.Tag) {
		return fmt.Errorf("loggrouptags: %q is not a DogStatsD tag name (a lowercase letter, then [a-z0-9_./-])", k.Tag)
	}
	return nil
}

func validTagName(s string) bool {
	if s == "" || len(s) > MaxTagLen/2 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-') {
			return false
		}
	}
	return true
}

// ParseKeys parses a comma-separated list of AWS tag keys, each optionally
// renamed: "service,team,env" or "Service=service,CostCenter=team". A key
// that is not renamed gives a tag of the same name, lowercased.
func ParseKeys(spec string) ([]Key, error) {
	var keys []Key
	for _, f := range strings.Split(spec, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		k := Key{AWS: f, Tag: strings.ToLower(f)}
		if aws, tag, ok := strings.Cut(f, "="); ok {
			k = Key{AWS: strings.TrimSpace(aws), Tag: strings.TrimSpace(tag)}
		}
		if err := k.validate(); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("loggrouptags: no tag keys in %q", spec)
	}
	return keys, nil
}

// dogstatsd maps AWS tags to DogStatsD tags in key order; a key the log
// group does not have, or whose value sanitizes to nothing, gives no tag.
func (c *Cache) dogstatsd(awsTags map[string]string) []string {
	var tags []string
	for _, k := range c.keys {
		v, ok := awsTags[k.AWS]
		if !ok {
			for name, val := range awsTags {
				if strings.EqualFold(name, k.AWS) {
					v, ok = val, true
					break
				}
			}
		}
		if !ok {
			continue
		}
		if tag := Tag(k.Tag, v); tag != "" {
			tags = append(tags, tag)
		}
	}
	return tags
}

// Tag returns the DogStatsD tag name:value with value made a valid Datadog
// tag value: lowercased, every character outside [a-z0-9_.:/-] replaced by
// "_" (so no "|", "#", ",", space or newline can break a datagram), the
// whole tag cut to MaxTagLen. An empty value gives "".
func Tag(name, value string) string {
	if value == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(name) + 1 + len(value))
	b.WriteString(name)
	b.WriteByte(':')
	for _, r := range strings.ToLower(value) {
		if b.Len() >= MaxTagLen {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == ':' || r == '/' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
