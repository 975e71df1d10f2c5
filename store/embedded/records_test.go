package embedded

import (
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley/model"
)

// fillAll sets every field of the struct v points to (recursively, through
// pointers) to a distinct non-zero value, so that a codec that forgets a
// field, including one added to the model later, fails the round trip.
func fillAll(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(t, v.Elem(), n)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2020, 1, 2, 3, 4, 5, *n, time.FixedZone("X", 3600))))
			return
		}
		for i := range v.NumField() {
			fillAll(t, v.Field(i), n)
		}
	case reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)) + "/é")
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n) * 1000003)
	case reflect.Bool:
		v.SetBool(true)
	default:
		t.Fatalf("fillAll: unhandled kind %s", v.Kind())
	}
}

func TestRecordsRoundTrip(t *testing.T) {
	n := 0
	var m model.Message
	fillAll(t, reflect.ValueOf(&m).Elem(), &n)
	m.Index = 0 // not in the value: it is the key's
	data, err := marshalRecord(&m)
	if err != nil {
		t.Fatal(err)
	}
	var m2 model.Message
	if err := unmarshalRecord(data, &m2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(timesUTC(m), timesUTC(m2)) {
		t.Fatalf("message round trip:\n got  %+v\n want %+v", m2, m)
	}
	m.Media = nil
	data, _ = marshalRecord(&m)
	m2 = model.Message{Media: &model.Media{}}
	if err := unmarshalRecord(data, &m2); err != nil || m2.Media != nil {
		t.Fatalf("message without media: %+v, %v", m2.Media, err)
	}

	var c model.Channel
	fillAll(t, reflect.ValueOf(&c).Elem(), &n)
	data, err = marshalRecord(&c)
	if err != nil {
		t.Fatal(err)
	}
	var c2 model.Channel
	if err := unmarshalRecord(data, &c2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(timesUTC(c), timesUTC(c2)) {
		t.Fatalf("channel round trip:\n got  %+v\n want %+v", c2, c)
	}

	// Damaged records are errors, never a panic or a silent zero value.
	for cut := range len(data) {
		if err := unmarshalRecord(data[:cut], &c2); err == nil {
			t.Fatalf("channel record cut at %d/%d decoded without error", cut, len(data))
		}
	}
	if err := unmarshalRecord(append(data, 0), &c2); err == nil {
		t.Fatal("channel record with a trailing byte decoded without error")
	}
}

// timesUTC returns v with every top-level time field in UTC, so that
// DeepEqual compares instants (a fixed zone comes back as an equal zone,
// not the same pointer).
func timesUTC[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	for i := range rv.NumField() {
		if f := rv.Field(i); f.Type() == reflect.TypeFor[time.Time]() {
			f.Set(reflect.ValueOf(f.Interface().(time.Time).UTC()))
		}
	}
	return v
}

// Records written before event sequences existed (version 1) still decode,
// with Seq 0 and no Epoch.
func TestRecordsVersion1(t *testing.T) {
	n := 0
	var m model.Message
	fillAll(t, reflect.ValueOf(&m).Elem(), &n)
	m.Index, m.Seq = 0, 0
	data, err := marshalRecord(&m)
	if err != nil {
		t.Fatal(err)
	}
	v1 := append([]byte{messageRecordV1}, data[1:len(data)-8]...) // v1 had no trailing Seq
	m2 := model.Message{Seq: 9}
	if err := unmarshalRecord(v1, &m2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(timesUTC(m), timesUTC(m2)) {
		t.Fatalf("v1 message:\n got  %+v\n want %+v", m2, m)
	}

	var c model.Channel
	fillAll(t, reflect.ValueOf(&c).Elem(), &n)
	c.Seq, c.Epoch = 0, ""
	data, err = marshalRecord(&c)
	if err != nil {
		t.Fatal(err)
	}
	v1 = append([]byte{channelRecordV1}, data[1:len(data)-2]...) // Seq 0 and "" take a byte each
	c2 := model.Channel{Seq: 9, Epoch: "x"}
	if err := unmarshalRecord(v1, &c2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(timesUTC(c), timesUTC(c2)) {
		t.Fatalf("v1 channel:\n got  %+v\n want %+v", c2, c)
	}
	if err := unmarshalRecord(append([]byte{3}, data[1:]...), &c2); err == nil {
		t.Fatal("a record of an unknown version decoded without error")
	}
}
