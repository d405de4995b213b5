# "e2b/chart": what a displayed matplotlib Figure shows, as data (the shape of E2B's charts:
# type line | scatter | bar | pie | superchart | unknown, title, axis labels and units, ticks,
# scales, elements). Box plots are reported as "unknown". matplotlib is looked up in
# sys.modules, never imported here.
import sys as _e2b_sys

from IPython import get_ipython as _e2b_get_ipython
from IPython.core.formatters import BaseFormatter as _E2BChartBase
from traitlets import ObjectName as _E2BChartObjectName, Unicode as _E2BChartUnicode


def _e2b_chart_module():
    import datetime
    import re

    import matplotlib.dates as mdates
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle, Wedge
    from matplotlib.text import Text

    try:
        import numpy as np
    except ImportError:  # pragma: no cover - matplotlib needs numpy
        np = None

    date_converters = tuple(c for c in (getattr(mdates, "_SwitchableDateConverter", None),
                                        mdates.DateConverter, mdates.ConciseDateConverter) if c)
    unit_re = re.compile(r"\s\((.*?)\)|\[(.*?)\]")

    def value(v):
        if isinstance(v, datetime.date):
            return v.isoformat()
        if np is not None:
            if isinstance(v, np.datetime64):
                return str(v.astype("datetime64[s]"))
            if isinstance(v, np.generic):
                v = v.item()
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
        return v if isinstance(v, str) else str(v)

    def is_grid_line(line):
        xs, ys = line.get_xdata(), line.get_ydata()
        return len(xs) == 2 and len(ys) == 2 and (xs[0] == xs[1] or ys[0] == ys[1])

    def text_or_none(s):
        return s if s else None

    def base(ax, kind):
        return {"type": kind, "title": text_or_none(ax.get_title()), "elements": []}

    def two_d(ax, kind):
        chart = base(ax, kind)
        for axis, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())):
            chart[axis + "_label"] = text_or_none(label)
            unit = None
            if label:
                m = unit_re.search(label)
                if m:
                    unit = m.group(1) or m.group(2)
            chart[axis + "_unit"] = unit
        return chart

    def axis_info(chart, axis, converter, scale, ticks, labels):
        dated = isinstance(converter, date_converters)
        if dated:
            ticks = [mdates.num2date(t).isoformat() for t in ticks]
        else:
            ticks = [value(t) for t in ticks]
        if dated:
            kind = "datetime"
        elif scale != "linear":
            kind = scale
        else:
            # 0, 1, 2 … whose labels are not those numbers: categories.
            categorical = bool(ticks) and all(
                isinstance(t, float) and t == i and str(i) != lab for i, (t, lab) in enumerate(zip(ticks, labels)))
            kind = "categorical" if categorical else "linear"
        chart[axis + "_ticks"] = ticks
        chart[axis + "_tick_labels"] = labels
        chart[axis + "_scale"] = kind

    def point_chart(ax, kind):
        chart = two_d(ax, kind)
        axis_info(chart, "x", ax.xaxis.converter, ax.get_xscale(), list(ax.get_xticks()),
                  [t.get_text() for t in ax.get_xticklabels()])
        axis_info(chart, "y", ax.yaxis.converter, ax.get_yscale(), list(ax.get_yticks()),
                  [t.get_text() for t in ax.get_yticklabels()])
        return chart

    def line_chart(ax):
        chart = point_chart(ax, "line")
        for line in ax.get_lines():
            if is_grid_line(line):
                continue
            label = line.get_label()
            if label.startswith("_child") and label[6:].isdigit():
                label = "Line %d" % int(label[6:])
            points = [[value(x), value(y)] for x, y in zip(line.get_xdata(), line.get_ydata())]
            chart["elements"].append({"label": label, "points": points})
        return chart

    def scatter_chart(ax):
        chart = point_chart(ax, "scatter")
        for coll in ax.collections:
            points = [[value(x), value(y)] for x, y in coll.get_offsets()]
            chart["elements"].append({"label": coll.get_label(), "points": points})
        return chart

    def bar_chart(ax):
        chart = two_d(ax, "bar")
        for container in ax.containers:
            group = container.get_label()
            if group.startswith("_container") and group[10:].isdigit():
                group = "Group %d" % int(group[10:])
            rects = list(container)
            heights = [r.get_height() for r in rects]
            if heights and all(h == heights[0] for h in heights):  # horizontal bars
                labels = [t.get_text() for t in ax.get_yticklabels()]
                values = [r.get_width() for r in rects]
                chart["x_label"], chart["y_label"] = chart["y_label"], chart["x_label"]
                chart["x_unit"], chart["y_unit"] = chart["y_unit"], chart["x_unit"]
            else:
                labels = [t.get_text() for t in ax.get_xticklabels()]
                values = heights
            for label, v in zip(labels, values):
                chart["elements"].append({"label": label, "group": group, "value": value(v)})
        return chart

    def pie_chart(ax):
        chart = base(ax, "pie")
        for wedge in ax.patches:
            angle = abs(round(float(wedge.theta2) - float(wedge.theta1), 10))
            chart["elements"].append({"label": wedge.get_label(), "angle": angle, "radius": value(wedge.r)})
        return chart

    def of_axes(ax):
        children = [c for c in getattr(ax, "_children", ax.get_children()) if not isinstance(c, Text)]
        if all(isinstance(c, Line2D) for c in children):
            return line_chart(ax)
        children = [c for c in children if not (isinstance(c, Line2D) and is_grid_line(c))]
        if children and all(isinstance(c, PathCollection) for c in children):
            return scatter_chart(ax)
        if children and all(isinstance(c, Wedge) for c in children):
            return pie_chart(ax)
        if children and all(isinstance(c, Rectangle) for c in children):
            return bar_chart(ax)
        return base(ax, "unknown")

    def of_figure(fig):
        axes = fig.get_axes()
        if not axes or not any(ax.has_data() for ax in axes):
            return {}
        if len(axes) > 1:
            sup = getattr(fig, "_suptitle", None)
            return {"type": "superchart", "title": sup.get_text() if sup is not None else "",
                    "elements": [of_axes(ax) for ax in axes]}
        return of_axes(axes[0])

    return of_figure


class _E2BChartFormatter(_E2BChartBase):
    format_type = _E2BChartUnicode("e2b/chart")
    print_method = _E2BChartObjectName("_repr_e2b_chart_")
    _return_type = (dict, str)
    _extract = None

    def __call__(self, obj):
        if "matplotlib" not in _e2b_sys.modules:
            return super().__call__(obj)
        from matplotlib.figure import Figure
        if not isinstance(obj, Figure):
            return super().__call__(obj)
        try:
            if _E2BChartFormatter._extract is None:
                _E2BChartFormatter._extract = _e2b_chart_module()
            return _E2BChartFormatter._extract(obj)
        except Exception:
            return {}


def _e2b_install_charts():
    ip = _e2b_get_ipython()
    if ip is not None:
        ip.display_formatter.formatters["e2b/chart"] = _E2BChartFormatter(parent=ip.display_formatter)


_e2b_install_charts()
del _e2b_install_charts
