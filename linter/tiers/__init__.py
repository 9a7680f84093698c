"""The tier model: every file kind is normalised into tiers, endpoints and hops.

A *tier* is one kind of software on a connection path (nginx, Tomcat, an AWS ALB). An
*endpoint* is one side of a connection with an idle policy and the provenance of each
value; a *hop* is one connection two tiers share. Rules compare endpoints across hops
and never parse files: readers (``nglint.sources``) produce what this package holds.
"""
