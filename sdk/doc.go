// Package sdk is Parley's Go client: Twilio Programmable Chat's client model
// (channel descriptors, channels, members, messages, users, events) over
// Parley's MQTT protocol (docs/protocol.md), without touching topics.
//
// Create a Client with New from a URL and an access token. The client keeps
// the connection alive: it reconnects with backoff, subscribes again to the
// user's topics and every joined channel, and catches up. Events arrive on
// Client.Events in order per channel: Parley delivers at QoS 0 with a dense
// per-channel seq and message index, and the SDK checks both; after a
// reconnection or a detected gap it fetches the missed messages by index
// (getMessages forward from the last delivered index) and delivers them
// once, flagged CatchUp, before the newer events it held back meanwhile.
//
// Requests (join, history, read horizons...) are RPC commands with MQTT 5
// response topics and correlation data; sends are MQTT 5 publishes
// acknowledged with the stored index, retried with a client message id so
// a send is stored once even across a reconnection.
//
// Tokens: give Config.TokenProvider and the SDK asks it for a new token when
// Parley sends tokenAboutToExpire, and sends it in band (updateToken); the
// session continues. Without one, or when it fails, the session ends at the
// token's expiry with a TokenExpired event and StateDenied.
//
// Three paho.golang v0.23.0 defects are worked around: Request Problem
// Information is always 1 (paho sends 0, and the broker then strips the
// user properties that carry the index and the identity); the publish
// handler is given at construction, because handlers added later are lost
// on reconnection; and the autopaho rpc extension, which drops early
// replies, is replaced by the SDK's own correlation map.
package sdk
