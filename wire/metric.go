package wire

import streamplane "github.com/streamplane/streamplane"

// MetricCatalog is every metric the server collects.
type MetricCatalog struct {
	Metrics []streamplane.MetricDef `json:"metrics"`
}

// MetricSeriesList is a metric's series over a time range.
type MetricSeriesList struct {
	Metric string         `json:"metric"`
	Unit   string         `json:"unit"`
	From   string         `json:"from"`
	To     string         `json:"to"`
	Series []MetricSeries `json:"series"`
}

// MetricSeries is one series: its dimensions and its points as
// [unix seconds, value] pairs, oldest first.
type MetricSeries struct {
	Labels map[string]string `json:"labels"`
	Points [][2]float64      `json:"points"`
}

// MetricTop ranks a metric's series by their mean over a range.
type MetricTop struct {
	Metric string          `json:"metric"`
	Unit   string          `json:"unit"`
	Series []MetricRanking `json:"series"`
}

// MetricRanking is one series of a top list.
type MetricRanking struct {
	Labels map[string]string `json:"labels"`
	Mean   float64           `json:"mean"`
	Latest float64           `json:"latest"`
}

// AlarmRuleList is an instance's alarm rules.
type AlarmRuleList struct {
	Rules []*streamplane.AlarmRule `json:"rules"`
}

// AlarmList is alarm history, newest first.
type AlarmList struct {
	Alarms []*streamplane.Alarm `json:"alarms"`
}

// AlarmChannelList is the server's notification channels.
type AlarmChannelList struct {
	Channels []*streamplane.AlarmChannel `json:"channels"`
}

// AlarmDeliveryList is a channel's delivery log, newest first.
type AlarmDeliveryList struct {
	Deliveries []*streamplane.AlarmDelivery `json:"deliveries"`
}
