-- constructor_ref is a lookup key of the API
select constructor_ref, count(*) as constructors
from constructor_summary
group by constructor_ref
having count(*) > 1
