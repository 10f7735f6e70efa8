package eventstore

// SetLostReply makes every statement of s's group commit that committed answer
// with lost() instead, when lost returns an error: a connection broken between
// the commit and its answer.
func SetLostReply(s *Store, lost func() error) { s.group.lostReply = lost }
