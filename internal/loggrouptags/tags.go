package loggrouptags

import (
	"fmt"
	"strings"

	"github.com/slowroutes/slowroutes/internal/tag"
)

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
	if !tag.ValidKey(k.Tag) {
		return fmt.Errorf("loggrouptags: %q is not a DogStatsD tag name (a lowercase letter, then [a-z0-9_./-])", k.Tag)
	}
	return nil
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

// Tag returns the DogStatsD tag name:value with value lowercased (as
// Datadog stores tags) and sanitized by the one tag sanitizer. An empty
// value gives "".
func Tag(name, value string) string {
	if value == "" {
		return ""
	}
	return tag.Make(name, strings.ToLower(value))
}
