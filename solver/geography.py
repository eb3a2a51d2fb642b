"""US geography shared by the dataset generator and the report's maps."""

# The 48 contiguous states and DC: one parcel network, no ocean freight.
_CONTIGUOUS_STATE_CODES = (
    "AL AZ AR CA CO CT DE DC FL GA ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
    "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
)
CONTIGUOUS_STATES = frozenset(_CONTIGUOUS_STATE_CODES.split())
