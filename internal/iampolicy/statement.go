package iampolicy

// AddStatement is a ready-to-paste policy granting exactly the missing
// actions (as Missing returns them) on every resource. Attaching it as a
// second policy, or pasting its statement into OrchesteraAccessPolicy,
// closes the gap unless a Deny is the cause; Missing cannot tell which, so
// callers should say so.
func AddStatement(missing []string) Document {
	return Document{Version: Version, Statement: Statements{{
		Sid:      "OrchesteraMissingActions",
		Effect:   "Allow",
		Action:   append(StringList(nil), missing...),
		Resource: StringList{"*"},
	}}}
}
