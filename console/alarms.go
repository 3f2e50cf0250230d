package console

var alarmPages = []page{}
