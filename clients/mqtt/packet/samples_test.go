package packet

// samples returns one encoded packet of every type for version v, with
// properties where 5.0 allows them: the seeds of the round-trip tests and
// of the fuzz corpus.
func samples(v Version) map[string][]byte {
	out := map[string][]byte{}
	add := func(name string, b []byte, err error) {
		if err != nil {
			panic(name + ": " + err.Error())
		}
		out[name] = b
	}
	user := []UserProperty{{Key: []byte("k"), Value: []byte("v")}, {Key: []byte("k"), Value: []byte("w")}}

	c := Connect{Version: v, CleanStart: true, KeepAlive: 60, ClientID: []byte("dev1"),
		Will: true, WillQoS: 1, WillRetain: true, WillTopic: []byte("dev/1/status"), WillPayload: []byte("offline"),
		HasUsername: true, Username: []byte("user"), HasPassword: true, Password: []byte{0, 1, 2}}
	if v == V5 {
		c.Props.Set(PropSessionExpiry)
		c.Props.SessionExpiry = 3600
		c.Props.Set(PropReceiveMaximum)
		c.Props.ReceiveMaximum = 10
		c.Props.Set(PropMaximumPacketSize)
		c.Props.MaximumPacketSize = 1 << 16
		c.Props.Set(PropTopicAliasMaximum)
		c.Props.TopicAliasMaximum = 8
		c.Props.User = user
		c.WillProps.Set(PropWillDelay)
		c.WillProps.WillDelay = 5
		c.WillProps.Set(PropContentType)
		c.WillProps.ContentType = []byte("text/plain")
	}
	b, err := c.Append(nil)
	add("connect", b, err)
	c2 := Connect{Version: v, KeepAlive: 0, ClientID: nil}
	b, err = c2.Append(nil)
	add("connect-min", b, err)

	ca := Connack{SessionPresent: true}
	if v == V5 {
		ca.Props.Set(PropAssignedClientID)
		ca.Props.AssignedClientID = []byte("auto-1")
		ca.Props.Set(PropServerKeepAlive)
		ca.Props.ServerKeepAlive = 30
		ca.Props.Set(PropMaximumQoS)
		ca.Props.MaximumQoS = 1
		ca.Props.Set(PropTopicAliasMaximum)
		ca.Props.TopicAliasMaximum = 4
	}
	b, err = ca.Append(nil, v)
	add("connack", b, err)
	refused := Connack{Code: NotAuthorized}
	if v == V311 {
		refused.Code = V311NotAuthorized
	}
	b, err = refused.Append(nil, v)
	add("connack-refused", b, err)

	p := Publish{QoS: 1, Retain: true, Dup: true, Topic: []byte("a/b"), PacketID: 7, Payload: []byte("payload")}
	if v == V5 {
		p.Props.Set(PropPayloadFormat)
		p.Props.PayloadFormat = 1
		p.Props.Set(PropMessageExpiry)
		p.Props.MessageExpiry = 60
		p.Props.Set(PropResponseTopic)
		p.Props.ResponseTopic = []byte("reply/1")
		p.Props.Set(PropCorrelationData)
		p.Props.CorrelationData = []byte{1, 2, 3}
		p.Props.SubscriptionIDs = []uint32{1, 300}
		p.Props.Set(PropTopicAlias)
		p.Props.TopicAlias = 2
		p.Props.User = user
	}
	b, err = p.Append(nil, v)
	add("publish", b, err)
	p0 := Publish{Topic: []byte("t"), Payload: nil}
	b, err = p0.Append(nil, v)
	add("publish-qos0", b, err)
	if v == V5 {
		pa := Publish{QoS: 2, PacketID: 9, Payload: []byte("x")}
		pa.Props.Set(PropTopicAlias)
		pa.Props.TopicAlias = 2
		b, err = pa.Append(nil, v)
		add("publish-alias", b, err)
	}

	for _, t := range []Type{PUBACK, PUBREC, PUBREL, PUBCOMP} {
		a := Ack{Type: t, PacketID: 0x1234}
		b, err = a.Append(nil, v)
		add(t.String(), b, err)
		if v == V5 {
			a.Code = PacketIdentifierNotFound
			if t == PUBACK || t == PUBREC {
				a.Code = NotAuthorized
			}
			b, err = a.Append(nil, v)
			add(t.String()+"-code", b, err)
			a.Props.Set(PropReasonString)
			a.Props.ReasonString = []byte("why")
			a.Props.User = user
			b, err = a.Append(nil, v)
			add(t.String()+"-props", b, err)
		}
	}

	s := Subscribe{PacketID: 3, Subscriptions: []Subscription{
		{Filter: []byte("a/+/c"), Options: SubOptions(0).WithQoS(2)},
		{Filter: []byte("#"), Options: SubOptions(0).WithQoS(1)},
	}}
	if v == V5 {
		s.Subscriptions[0].Options |= NoLocal | RetainAsPublished
		s.Subscriptions[1].Options = s.Subscriptions[1].Options.WithRetainHandling(DoNotSendRetained)
		s.Subscriptions = append(s.Subscriptions, Subscription{Filter: []byte("$share/g/x/#")})
		s.Props.Set(PropSubscriptionID)
		s.Props.SubscriptionID = 268435455
	}
	b, err = s.Append(nil, v)
	add("subscribe", b, err)

	sa := Suback{PacketID: 3, Codes: []byte{2, 1, 0x80}}
	if v == V5 {
		sa.Codes = []byte{2, 1, byte(NotAuthorized)}
		sa.Props.Set(PropReasonString)
		sa.Props.ReasonString = []byte("no")
	}
	b, err = sa.Append(nil, v)
	add("suback", b, err)

	u := Unsubscribe{PacketID: 4, Filters: [][]byte{[]byte("a/+/c"), []byte("#")}}
	if v == V5 {
		u.Props.User = user
	}
	b, err = u.Append(nil, v)
	add("unsubscribe", b, err)
	ua := Unsuback{PacketID: 4}
	if v == V5 {
		ua.Codes = []byte{0, byte(NoSubscriptionExisted)}
	}
	b, err = ua.Append(nil, v)
	add("unsuback", b, err)

	add("pingreq", AppendPingreq(nil), nil)
	add("pingresp", AppendPingresp(nil), nil)
	d := Disconnect{}
	b, err = d.Append(nil, v)
	add("disconnect", b, err)
	if v == V5 {
		d = Disconnect{Code: ServerMoved}
		d.Props.Set(PropServerReference)
		d.Props.ServerReference = []byte("other:1883")
		d.Props.Set(PropSessionExpiry)
		b, err = d.Append(nil, v)
		add("disconnect-props", b, err)
		au := Auth{Code: ContinueAuthentication}
		au.Props.Set(PropAuthMethod)
		au.Props.AuthMethod = []byte("SCRAM-SHA-1")
		au.Props.Set(PropAuthData)
		au.Props.AuthData = []byte{9, 9}
		b, err = au.Append(nil)
		add("auth", b, err)
	}
	return out
}
