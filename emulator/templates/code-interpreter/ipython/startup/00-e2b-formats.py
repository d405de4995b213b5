# Display formats of the code-interpreter-v1 template, as E2B's kernels have them:
#  * "e2b/data": a pandas DataFrame as {column: [values]} (Timestamps as ISO strings);
#  * "application/json": lists and dicts as JSON, with metadata {"expanded": True};
#  * PIL: no external viewer, and saving an image to a path also displays it.
# pandas / matplotlib / PIL are looked up in sys.modules, never imported here, so a cell that
# does not use them does not pay for them.
import json as _e2b_json
import sys as _e2b_sys

from IPython import get_ipython as _e2b_get_ipython
from IPython.core.formatters import BaseFormatter as _E2BBase, JSONFormatter as _E2BJSON
from traitlets import ObjectName as _E2BObjectName, Unicode as _E2BUnicode


class _E2BDataFrameFormatter(_E2BBase):
    format_type = _E2BUnicode("e2b/data")
    print_method = _E2BObjectName("_repr_e2b_data_")
    _return_type = (dict, str)

    def __call__(self, obj):
        pd = _e2b_sys.modules.get("pandas")
        if pd is None or not isinstance(obj, pd.DataFrame):
            return super().__call__(obj)
        columns = obj.to_dict(orient="list")
        return {name: [v.isoformat() if isinstance(v, pd.Timestamp) else v for v in values]
                for name, values in columns.items()}


def _e2b_plain(value):
    # What a JSON round trip makes of the value (numpy scalars and arrays included).
    np = _e2b_sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, np.generic):
            return value.item()
    raise TypeError("not JSON serializable: %r" % type(value))


class _E2BJSONFormatter(_E2BJSON):
    def __call__(self, obj):
        if isinstance(obj, (list, dict)):
            try:
                text = _e2b_json.dumps(obj, default=_e2b_plain, allow_nan=True)
                return _e2b_json.loads(text), {"expanded": True}
            except (TypeError, ValueError):
                pass
        return super().__call__(obj)


def _e2b_install():
    ip = _e2b_get_ipython()
    if ip is None:
        return
    formatters = ip.display_formatter.formatters
    formatters["e2b/data"] = _E2BDataFrameFormatter(parent=ip.display_formatter)
    formatters["application/json"] = _E2BJSONFormatter(parent=ip.display_formatter)
    try:
        from PIL import Image, ImageShow
    except ImportError:
        return
    from IPython.display import display

    ImageShow.UnixViewer.show_file = lambda self, path, **options: 0
    original = Image.Image.save

    def save(image, fp, format=None, **params):
        if isinstance(fp, str):
            display(image)
        return original(image, fp, format, **params)

    Image.Image.save = save


_e2b_install()
del _e2b_install
