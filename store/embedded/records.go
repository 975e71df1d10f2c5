package embedded

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parleychat/parley/model"
)

// Records: how values are encoded. Messages and channels, which every
// message create and every message page decode and encode, have a compact
// binary form (encoding/json costs several microseconds per message, which
// dominated a page read); everything else is encoding/json of the model type.
//
// Binary form: a version byte, then the fields in declaration order:
// strings as uvarint length and bytes, integers as varints, booleans as one
// byte, times as a length byte and time.Time's binary form. A message's
// Index is not in its value: it is the last 8 bytes of its key.
//
// Version 2 adds the channel event sequence: a message record ends with its
// Seq in 8 big-endian bytes (fixed width, so that the writer can set it in
// the record the sender's goroutine encoded, see setMessageSeq); a channel
// record ends with Seq (varint) and Epoch. Version 1 records, written
// before sequences existed, still decode, with Seq 0 and no Epoch.
const (
	messageRecordV1 = 1
	messageRecordV2 = 2
	channelRecordV1 = 1
	channelRecordV2 = 2
)

// marshalRecord encodes a value for storage.
func marshalRecord(v any) ([]byte, error) {
	switch v := v.(type) {
	case *model.Message:
		return marshalMessage(v)
	case *model.Channel:
		return marshalChannel(v)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("embedded: encode %T: %w", v, err)
	}
	return data, nil
}

// unmarshalRecord decodes a stored value into v.
func unmarshalRecord(data []byte, v any) error {
	var err error
	switch v := v.(type) {
	case *model.Message:
		err = unmarshalMessage(data, v)
	case *model.Channel:
		err = unmarshalChannel(data, v)
	default:
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		return fmt.Errorf("embedded: decode %T: %w", v, err)
	}
	return nil
}

func marshalMessage(m *model.Message) ([]byte, error) {
	e := encoder{b: make([]byte, 0, 160+len(m.Body)+len(m.Attributes))}
	e.b = append(e.b, messageRecordV2)
	e.str(m.SID)
	e.str(m.AccountSID)
	e.str(m.ServiceSID)
	e.str(m.ChannelSID)
	e.str(m.From)
	e.str(m.Body)
	e.str(m.Attributes)
	e.str(string(m.Type))
	e.bool(m.Media != nil)
	if m.Media != nil {
		e.str(m.Media.SID)
		e.int(m.Media.Size)
		e.str(m.Media.ContentType)
		e.str(m.Media.Filename)
	}
	e.str(m.LastUpdatedBy)
	e.bool(m.WasEdited)
	e.str(m.ClientMessageID)
	e.time(m.DateCreated)
	e.time(m.DateUpdated)
	e.b = binary.BigEndian.AppendUint64(e.b, uint64(m.Seq))
	return e.b, e.err
}

// setMessageSeq sets the Seq of an encoded message record in place.
func setMessageSeq(data []byte, seq int64) {
	binary.BigEndian.PutUint64(data[len(data)-8:], uint64(seq))
}

func unmarshalMessage(data []byte, m *model.Message) error {
	d := decoder{b: data}
	v := d.version(messageRecordV1, messageRecordV2)
	m.SID = d.str()
	m.AccountSID = d.str()
	m.ServiceSID = d.str()
	m.ChannelSID = d.str()
	m.From = d.str()
	m.Body = d.str()
	m.Attributes = d.str()
	m.Type = model.MessageType(d.str())
	m.Media = nil
	if d.bool() {
		m.Media = &model.Media{SID: d.str(), Size: d.int(), ContentType: d.str(), Filename: d.str()}
	}
	m.LastUpdatedBy = d.str()
	m.WasEdited = d.bool()
	m.ClientMessageID = d.str()
	m.DateCreated = d.time()
	m.DateUpdated = d.time()
	m.Seq = 0
	if v >= messageRecordV2 {
		m.Seq = d.fixed64()
	}
	return d.end()
}

func marshalChannel(c *model.Channel) ([]byte, error) {
	e := encoder{b: make([]byte, 0, 256+len(c.Attributes))}
	e.b = append(e.b, channelRecordV2)
	e.str(c.SID)
	e.str(c.AccountSID)
	e.str(c.ServiceSID)
	e.str(c.FriendlyName)
	e.str(c.UniqueName)
	e.str(c.Attributes)
	e.str(string(c.Type))
	e.str(c.CreatedBy)
	e.int(int64(c.MembersCount))
	e.int(int64(c.MessagesCount))
	e.int(c.NextIndex)
	e.str(c.LastMessageSID)
	e.int(c.LastMessageIndex)
	e.time(c.LastMessageDate)
	e.time(c.DateCreated)
	e.time(c.DateUpdated)
	e.int(c.Seq)
	e.str(c.Epoch)
	return e.b, e.err
}

func unmarshalChannel(data []byte, c *model.Channel) error {
	d := decoder{b: data}
	v := d.version(channelRecordV1, channelRecordV2)
	c.SID = d.str()
	c.AccountSID = d.str()
	c.ServiceSID = d.str()
	c.FriendlyName = d.str()
	c.UniqueName = d.str()
	c.Attributes = d.str()
	c.Type = model.ChannelType(d.str())
	c.CreatedBy = d.str()
	c.MembersCount = int(d.int())
	c.MessagesCount = int(d.int())
	c.NextIndex = d.int()
	c.LastMessageSID = d.str()
	c.LastMessageIndex = d.int()
	c.LastMessageDate = d.time()
	c.DateCreated = d.time()
	c.DateUpdated = d.time()
	c.Seq, c.Epoch = 0, ""
	if v >= channelRecordV2 {
		c.Seq = d.int()
		c.Epoch = d.str()
	}
	return d.end()
}

type encoder struct {
	b   []byte
	err error
}

func (e *encoder) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) int(i int64) { e.b = binary.AppendVarint(e.b, i) }

func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) time(t time.Time) {
	at := len(e.b)
	e.b = append(e.b, 0)
	b, err := t.AppendBinary(e.b)
	if err != nil {
		if e.err == nil {
			e.err = err
		}
		return
	}
	e.b = b
	e.b[at] = byte(len(e.b) - at - 1)
}

var errCorrupt = errors.New("corrupt record")

// decoder reads what encoder wrote; the first error sticks and later reads
// return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

// version reads the version byte, which must be one of known; it returns
// 0 after a failure.
func (d *decoder) version(known ...byte) byte {
	if len(d.b) == 0 || !slices.Contains(known, d.b[0]) {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) fixed64() int64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := int64(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *decoder) str() string {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)-k) {
		d.fail()
		return ""
	}
	s := string(d.b[k : k+int(n)])
	d.b = d.b[k+int(n):]
	return s
}

func (d *decoder) int() int64 {
	i, k := binary.Varint(d.b)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return i
}

func (d *decoder) bool() bool {
	if len(d.b) == 0 || d.b[0] > 1 {
		d.fail()
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

func (d *decoder) time() time.Time {
	if len(d.b) == 0 || int(d.b[0]) > len(d.b)-1 {
		d.fail()
		return time.Time{}
	}
	n := int(d.b[0])
	var t time.Time
	if err := t.UnmarshalBinary(d.b[1 : 1+n]); err != nil {
		d.fail()
		return time.Time{}
	}
	d.b = d.b[1+n:]
	return t
}

// end reports a decoding error or trailing bytes.
func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	return d.err
}
