package ui

import (
	"strconv"
	"strings"
	"time"

	"patchward/store"
)

// Chart geometry, in SVG user units; the SVG scales to its container.
const (
	chartW, chartH         = 600.0, 160.0
	chartLeft, chartBottom = 36.0, 20.0
	chartTop               = 8.0
)

// chart is the dashboard's "hosts with pending security updates" line over time.
type chart struct {
	Points   string // polyline points
	Area     string // polygon points (the line closed down to the axis)
	Max      int
	Ticks    []chartTick
	Last     int
	Days     int
	FirstDay string
	LastDay  string
	Dots     []chartDot
}

type chartTick struct {
	Y     string
	Label string
}

type chartDot struct {
	X, Y  string
	Title string
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// newChart lays out the recorded history; today's point is taken from the live dashboard so
// the chart is current even between recordings.
func newChart(hist []store.HistoryPoint, d store.Dashboard) chart {
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if n := len(hist); n == 0 || !hist[n-1].Day.Equal(today) {
		hist = append(hist, store.HistoryPoint{Day: today, Hosts: d.Hosts, SecurityHosts: d.Security.Count})
	} else {
		hist[n-1].SecurityHosts = d.Security.Count
	}
	c := chart{Days: len(hist), Last: hist[len(hist)-1].SecurityHosts}
	for _, p := range hist {
		c.Max = max(c.Max, p.SecurityHosts)
	}
	top := niceMax(c.Max)
	plotW, plotH := chartW-chartLeft-8, chartH-chartTop-chartBottom
	x := func(i int) float64 {
		if len(hist) == 1 {
			return chartLeft + plotW
		}
		return chartLeft + plotW*float64(i)/float64(len(hist)-1)
	}
	y := func(v int) float64 { return chartTop + plotH*(1-float64(v)/float64(top)) }
	var pts []string
	for i, p := range hist {
		pts = append(pts, f1(x(i))+","+f1(y(p.SecurityHosts)))
		c.Dots = append(c.Dots, chartDot{X: f1(x(i)), Y: f1(y(p.SecurityHosts)),
			Title: p.Day.Format("2 Jan 2006") + ": " + plural(p.SecurityHosts, "host")})
	}
	if len(pts) == 1 { // a single day: draw a short flat line so it is visible
		pts = append([]string{f1(chartLeft) + "," + f1(y(hist[0].SecurityHosts))}, pts...)
	}
	c.Points = strings.Join(pts, " ")
	base := f1(chartTop + plotH)
	first, last := strings.SplitN(pts[0], ",", 2)[0], strings.SplitN(pts[len(pts)-1], ",", 2)[0]
	c.Area = first + "," + base + " " + c.Points + " " + last + "," + base
	for _, v := range []int{0, top / 2, top} {
		c.Ticks = append(c.Ticks, chartTick{Y: f1(y(v)), Label: num(v)})
	}
	c.FirstDay, c.LastDay = hist[0].Day.Format("2 Jan"), hist[len(hist)-1].Day.Format("2 Jan")
	return c
}

// niceMax rounds the chart's top up to an even number (at least 2), so the mid tick is whole.
func niceMax(v int) int {
	if v < 2 {
		return 2
	}
	step := 1
	for step*10 < v {
		step *= 10
	}
	top := (v + step - 1) / step * step
	if top%2 != 0 {
		top += step
	}
	return top
}
