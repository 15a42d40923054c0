#!/usr/bin/perl
# test/dashboard/render.pl: write the demo dashboard as one self-contained HTML file.
#
#   perl test/dashboard/render.pl OUT.html      (connection: PGHOST/PGPORT/PGUSER/PGDATABASE)
#
# Every number on the page is a value of a row of a view of test/dashboard/views.sql, read with
# psql --csv and printed as PostgreSQL wrote it (thousands separators, "%" and " d" added for
# reading). No number shown is computed here: this script only turns rows into SVG shapes (a
# bar's length is its value over the chart's largest value, a stacked bar's over the longest stack). Each bar or point is an
# SVG <g class="datum"> carrying its view, its key and its columns as data-* attributes; the
# numbers it shows are <text data-col="COLUMN"> elements. test/dashboard/browser.pl checks those
# against the views in a real browser.
#
# The page is plain HTML, CSS and SVG written by this script: no script, no font, no image and
# no stylesheet is fetched when it is opened (see README, "Dashboard").
use strict;
use warnings;
use utf8;

my $out = shift or die "usage: render.pl OUT.html\n";

# ---- reading the views ----------------------------------------------------------------------

# rows of a view as a list of hashes (column => text as PostgreSQL prints it, '' for NULL)
sub view_rows
{
	my ($view) = @_;
	open(my $ph, '-|:encoding(UTF-8)', 'psql', '-X', '-q', '--csv', '-v', 'ON_ERROR_STOP=1',
		'-c', "SELECT * FROM dashboard.$view")
	  or die "cannot run psql: $!";
	local $/;
	my $csv = <$ph>;
	close($ph) or die "psql failed reading dashboard.$view\n";
	my @records = parse_csv($csv);
	my $head = shift @records;
	return map { my %r; @r{@$head} = @$_; \%r } @records;
}

# RFC 4180 as psql --csv writes it: quoted fields may hold commas, quotes ("") and newlines
sub parse_csv
{
	my ($text) = @_;
	my (@records, @fields);
	my $field = '';
	my $i = 0;
	my $n = length $text;
	while ($i < $n)
	{
		my $c = substr($text, $i, 1);
		if ($c eq '"')
		{
			my $end = $i + 1;
			my $val = '';
			while (1)
			{
				my $q = index($text, '"', $end);
				die "unterminated quoted field in psql output\n" if $q < 0;
				$val .= substr($text, $end, $q - $end);
				if (substr($text, $q + 1, 1) eq '"') { $val .= '"'; $end = $q + 2; next; }
				$i = $q + 1;
				last;
			}
			$field .= $val;
		}
		elsif ($c eq ',') { push @fields, $field; $field = ''; $i++; }
		elsif ($c eq "\n") { push @fields, $field; push @records, [@fields]; @fields = (); $field = ''; $i++; }
		elsif ($c eq "\r") { $i++; }
		else { $field .= $c; $i++; }
	}
	if ($field ne '' || @fields) { push @fields, $field; push @records, [@fields]; }
	return @records;
}

# ---- formatting (text only: the value itself is never changed) -------------------------------

sub esc
{
	my ($s) = @_;
	$s = '' unless defined $s;
	$s =~ s/&/&amp;/g; $s =~ s/</&lt;/g; $s =~ s/>/&gt;/g; $s =~ s/"/&quot;/g;
	return $s;
}

# thousands separators in the integer part of a number printed by PostgreSQL
sub num
{
	my ($v) = @_;
	return '' if !defined $v || $v eq '';
	my ($sign, $int, $frac) = $v =~ /^(-?)(\d+)(\.\d+)?$/ or return $v;
	1 while $int =~ s/^(\d+)(\d{3})/$1,$2/;
	return $sign . $int . ($frac // '');
}
sub pct  { my ($v) = @_; return (defined $v && $v ne '') ? "$v%" : 'n/a'; }
sub days { my ($v) = @_; return (defined $v && $v ne '') ? "$v d" : 'n/a'; }
sub val  { my ($v) = @_; return (defined $v && $v ne '') ? $v + 0 : 0; }

# <text> showing one column of a datum
sub label
{
	my ($x, $y, $col, $shown, %o) = @_;
	my $anchor = $o{anchor} // 'start';
	my $class = $o{class} ? qq{ class="$o{class}"} : '';
	return sprintf(qq{<text x="%.1f" y="%.1f" text-anchor="%s"%s data-col="%s">%s</text>},
		$x, $y, $anchor, $class, esc($col), esc($shown));
}

# opening tag of one bar or point: its view, key and every column of its row
sub datum
{
	my ($view, $row, @key) = @_;
	my $attrs = join '', map { sprintf(' data-%s="%s"', esc(tr/_/-/r), esc($row->{$_})) } sort keys %$row;
	my $key = join '|', map { $row->{$_} } @key;
	return sprintf(qq{<g class="datum" data-view="%s" data-key="%s"%s>}, esc($view), esc($key), $attrs);
}

sub rect
{
	my ($x, $y, $w, $h, $fill, $title) = @_;
	$w = 0 if $w < 0;
	my $t = defined $title ? '<title>' . esc($title) . '</title>' : '';
	return sprintf(qq{<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s">%s</rect>},
		$x, $y, $w, $h, $fill, $t);
}

sub maxof { my $m = 0; for (@_) { $m = val($_) if val($_) > $m; } return $m || 1; }

my %stage_color = (lead => '#9ecae1', qualified => '#6baed6', proposal => '#3182bd',
	negotiation => '#08519c', closed_won => '#2ca25f', closed_lost => '#de2d26');
my %campaign_color = (newsletter => '#8c6bb1', search => '#238b45', social => '#f16913');
my $grey = '#bdbdbd';

sub svg
{
	my ($w, $h, $label, @body) = @_;
	return qq{<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 $w $h" width="$w" height="$h" role="img" aria-label="}
	  . esc($label) . qq{">\n} . join("\n", @body) . "\n</svg>";
}

sub section
{
	my ($id, $view, $title, $caption, $body, $wide) = @_;
	my $class = $wide ? 'chart wide' : 'chart';
	return qq{<section class="$class" id="$id" data-view="$view">\n<h2>} . esc($title) . "</h2>\n"
	  . '<p class="caption">' . $caption . "</p>\n$body\n</section>\n";
}

# ---- charts -------------------------------------------------------------------------------------

my @sections;

# 1. Sales funnel: one funnel per segment, open stages as centred bars, outcomes apart
{
	my @rows = view_rows('funnel_stages');
	my @segments;
	my %seen;
	for (@rows) { push @segments, $_->{segment} unless $seen{$_->{segment}}++; }
	my $top = maxof(map { $_->{reached} } @rows);
	my @panels;
	for my $seg (@segments)
	{
		my @r = grep { $_->{segment} eq $seg } @rows;
		my $big = $seg eq 'All segments';
		my ($w, $bar_h, $gap) = $big ? (640, 34, 30) : (300, 20, 26);
		my $maxw = $big ? 300 : 170;
		my $cx = $big ? 250 : 95;
		my $segtop = maxof(map { $_->{reached} } @r);
		my @body;
		my $y = 20;
		push @body, sprintf(qq{<text x="0" y="12" class="panel">%s</text>}, esc($seg));
		my (@open, @closed);
		for (@r) { if ($_->{outcome} eq 'open') { push @open, $_ } else { push @closed, $_ } }
		for my $s (@open)
		{
			my $bw = $maxw * val($s->{reached}) / $segtop;
			push @body, datum('funnel_stages', $s, qw(segment stage));
			push @body, rect($cx - $bw / 2, $y, $bw, $bar_h, $stage_color{$s->{stage}} // '#3182bd',
				"$seg, $s->{stage}: reached $s->{reached}");
			my $ty = $y + $bar_h / 2 + 4;
			push @body, label($cx, $ty, 'reached', num($s->{reached}), anchor => 'middle', class => 'onbar');
			push @body, label(0, $ty, 'stage', $s->{stage}, class => 'stage') if $big;
			my $rx = $cx + $maxw / 2 + 10;
			if ($big)
			{
				push @body, label($rx, $ty - 6, 'conversion_from_previous_pct',
					$s->{conversion_from_previous_pct} eq '' ? 'entry' : pct($s->{conversion_from_previous_pct}),
					class => 'conv');
				push @body, qq{<text x="$rx" y="} . ($ty + 9) . qq{" class="small">dropped }
				  . qq{<tspan data-col="drop_off">} . num($s->{drop_off}) . qq{</tspan> · open }
				  . qq{<tspan data-col="in_progress" class="open">} . num($s->{in_progress}) . qq{</tspan>}
				  . qq{ · <tspan data-col="median_days_in_stage">} . days($s->{median_days_in_stage})
				  . qq{</tspan></text>};
			}
			else
			{
				push @body, label($rx, $ty, 'conversion_from_top_pct', pct($s->{conversion_from_top_pct}), class => 'small');
			}
			push @body, '</g>';
			$y += $bar_h + ($big ? $gap - 10 : 6);
		}
		$y += 8;
		my $x = 0;
		for my $s (@closed)
		{
			my $won = $s->{outcome} eq 'won';
			push @body, datum('funnel_stages', $s, qw(segment stage));
			push @body, rect($x, $y, 12, 12, $stage_color{$s->{stage}} // ($won ? '#2ca25f' : '#de2d26'));
			push @body, sprintf(qq{<text x="%.1f" y="%.1f" class="small">%s </text>}, $x + 16, $y + 10,
				$won ? 'won' : 'lost');
			push @body, label($x + ($won ? 42 : 40), $y + 10, 'entered', num($s->{entered}), class => 'outcome');
			push @body, label($x + ($won ? 42 : 40) + ($big ? 46 : 38), $y + 10, 'conversion_from_top_pct',
				'(' . pct($s->{conversion_from_top_pct}) . ')', class => 'small') if $big;
			push @body, '</g>';
			$x += $big ? 160 : 110;
		}
		$y += 20;
		push @panels, svg($w, $y, "Sales funnel, $seg", @body);
	}
	my $big = shift @panels;
	push @sections, section('chart-funnel', 'funnel_stages', 'Sales funnel',
		'Deals that entered each stage (linear policy: a skipped stage counts as passed), conversion '
		  . 'from the previous stage, deals that left there without converting ("dropped") and deals '
		  . 'still open there, kept apart from the drop-offs; median days in the stage. Won and lost '
		  . 'are outcomes, not further steps. Smaller funnels: per segment, with conversion from the '
		  . 'top. View <code>dashboard.funnel_stages</code>.',
		qq{<div class="row">$big<div class="col">} . join('', @panels) . '</div></div>', 1);
}

# 2. Conversion trend by week of entry
{
	my @rows = view_rows('conversion_by_week');
	my ($w, $h, $l, $t, $b) = (1180, 330, 50, 10, 90);
	my $pw = $w - $l - 20;
	my $step = $pw / (@rows || 1);
	my $ph = $h - $t - $b;
	my $maxpct = maxof(map { ($_->{qualified_pct}, $_->{won_pct}) } @rows);
	$maxpct = 100 if $maxpct > 60;
	$maxpct = 60 if $maxpct <= 60;
	my $maxleads = maxof(map { $_->{leads} } @rows);
	my @body;
	for my $g (0, 20, 40, 60, 80, 100)
	{
		next if $g > $maxpct;
		my $gy = $t + $ph - $ph * $g / $maxpct;
		push @body, sprintf(qq{<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/><text x="%d" y="%.1f" text-anchor="end" class="axis">%d%%</text>},
			$l, $l + $pw, $gy, $gy, $l - 6, $gy + 4, $g);
	}
	my (@won_pts, @q_pts);
	my $i = 0;
	for my $r (@rows)
	{
		my $x = $l + $step * ($i + 0.5);
		# leads of the week as a grey bar at the bottom, its open part darker
		my $lh = 46 * val($r->{leads}) / $maxleads;
		my $oh = 46 * val($r->{in_progress}) / $maxleads;
		push @body, datum('conversion_by_week', $r, 'week');
		push @body, rect($x - $step * 0.35, $h - 2 - $lh, $step * 0.7, $lh, '#deebf7',
			"week of $r->{week}: $r->{leads} leads, $r->{won} won, $r->{lost} lost, $r->{in_progress} still open");
		push @body, rect($x - $step * 0.35, $h - 2 - $oh, $step * 0.7, $oh, $grey) if val($r->{in_progress});
		if ($r->{won_pct} ne '')
		{
			my $y = $t + $ph - $ph * val($r->{won_pct}) / $maxpct;
			push @won_pts, sprintf('%.1f,%.1f', $x, $y);
			push @body, sprintf(qq{<circle cx="%.1f" cy="%.1f" r="3" fill="#2ca25f"><title>%s: %s%% of leads won</title></circle>},
				$x, $y, esc($r->{week}), esc($r->{won_pct}));
		}
		if ($r->{qualified_pct} ne '')
		{
			my $y = $t + $ph - $ph * val($r->{qualified_pct}) / $maxpct;
			push @q_pts, sprintf('%.1f,%.1f', $x, $y);
			push @body, sprintf(qq{<circle cx="%.1f" cy="%.1f" r="3" fill="#3182bd"><title>%s: %s%% of leads qualified</title></circle>},
				$x, $y, esc($r->{week}), esc($r->{qualified_pct}));
		}
		# month labels under the first week of each month
		if ($r->{week} =~ /^(\d{4})-(\d\d)-(\d\d)$/ && $3 <= 7)
		{
			my @mon = qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec);
			push @body, sprintf(qq{<text x="%.1f" y="%d" text-anchor="middle" class="axis">%s</text>},
				$x, $t + $ph + 14, $mon[$2 - 1] . ($2 == 1 ? " $1" : ''));
		}
		push @body, '</g>';
		$i++;
	}
	unshift @body, sprintf(qq{<polyline points="%s" class="line" stroke="#3182bd"/>}, join(' ', @q_pts)) if @q_pts;
	unshift @body, sprintf(qq{<polyline points="%s" class="line" stroke="#2ca25f"/>}, join(' ', @won_pts)) if @won_pts;
	push @body, qq{<text x="$l" y="} . ($t + $ph + 32) . qq{" class="small">leads entered per week (light) and still open at the as-of date (grey)</text>};
	push @sections, section('chart-trend', 'conversion_by_week', 'Conversion by week of entry',
		'<span class="key" style="background:#3182bd"></span> leads that reached <i>qualified</i> and '
		  . '<span class="key" style="background:#2ca25f"></span> leads won, per week the deals entered '
		  . 'the funnel. The last weeks are low because their deals are still open (grey), not lost. '
		  . 'View <code>dashboard.conversion_by_week</code> (rolled up from the daily stored summaries of '
		  . '<code>dashboard.funnel_daily</code>).',
		svg($w, $h, 'Conversion by week of entry', @body), 1);
}

# 3. Open pipeline by owner and stage (stacked bars)
{
	my @rows = view_rows('pipeline_by_owner');
	my (@owners, %seen, %by);
	for (@rows) { push @owners, $_->{owner} unless $seen{$_->{owner}}++; push @{ $by{$_->{owner}} }, $_; }
	my @stages;
	my %sseen;
	for (sort { $a->{position} <=> $b->{position} } @rows) { push @stages, $_->{stage} unless $sseen{$_->{stage}}++; }
	# the longest bar: the largest owner's open value, read from the rows as they are drawn
	my $maxsum = 1;
	for my $o (@owners) { my $s = 0; $s += val($_->{open_value}) for @{ $by{$o} }; $maxsum = $s if $s > $maxsum; }
	my ($l, $bw, $bh) = (150, 400, 22);
	my @body;
	my $y = 26;
	my $lx = $l;
	for my $st (@stages)
	{
		push @body, rect($lx, 4, 10, 10, $stage_color{$st} // $grey);
		push @body, sprintf(qq{<text x="%d" y="13" class="small">%s</text>}, $lx + 14, esc($st));
		$lx += 95;
	}
	for my $o (@owners)
	{
		my $team = $by{$o}[0]{team};
		push @body, sprintf(qq{<text x="0" y="%.1f" class="stage">%s <tspan class="small">%s</tspan></text>},
			$y + 15, esc($o), esc($team));
		my $x = $l;
		for my $r (sort { $a->{position} <=> $b->{position} } @{ $by{$o} })
		{
			my $sw = $bw * val($r->{open_value}) / $maxsum;
			push @body, datum('pipeline_by_owner', $r, qw(owner stage));
			push @body, rect($x, $y, $sw, $bh, $stage_color{$r->{stage}} // $grey,
				"$o, $r->{stage}: $r->{deals} open deals, open value $r->{open_value}, weighted $r->{weighted_value}");
			push @body, label($x + $sw / 2, $y + 15, 'deals', num($r->{deals}), anchor => 'middle',
				class => $r->{position} >= 3 ? 'onbar' : 'ondark') if $sw >= 18;
			push @body, '</g>';
			$x += $sw;
		}
		$y += $bh + 8;
	}
	push @sections, section('chart-owner', 'pipeline_by_owner', 'Open pipeline by owner and stage',
		'Open value per sales rep, stacked by stage; the number in each part is its count of open '
		  . 'deals (hover for values). View <code>dashboard.pipeline_by_owner</code>.',
		svg(580, $y + 4, 'Open pipeline by owner and stage', @body));
}

# 4. Weighted pipeline per open stage
{
	my @rows = view_rows('weighted_pipeline');
	my $max = maxof(map { $_->{open_value} } @rows);
	my ($l, $bw) = (110, 300);
	my @body = (sprintf(qq{<text x="%d" y="10" text-anchor="end" class="axis">open deals</text>}, $l + $bw + 90));
	my $y = 18;
	for my $r (@rows)
	{
		push @body, datum('weighted_pipeline', $r, 'stage');
		push @body, label(0, $y + 14, 'stage', $r->{stage}, class => 'stage');
		push @body, label(0, $y + 30, 'probability_pct', pct($r->{probability_pct}), class => 'small');
		push @body, rect($l, $y, $bw * val($r->{open_value}) / $max, 16, '#c6dbef', "open value $r->{open_value}");
		push @body, rect($l, $y + 18, $bw * val($r->{weighted_value}) / $max, 16, '#08519c', "weighted value $r->{weighted_value}");
		push @body, label($l + $bw * val($r->{open_value}) / $max + 6, $y + 13, 'open_value', num($r->{open_value}), class => 'small');
		push @body, label($l + $bw * val($r->{weighted_value}) / $max + 6, $y + 31, 'weighted_value', num($r->{weighted_value}), class => 'strong');
		push @body, label($l + $bw + 90, $y + 22, 'deals', num($r->{deals}), anchor => 'end', class => 'small');
		push @body, '</g>';
		$y += 46;
	}
	push @sections, section('chart-weighted', 'weighted_pipeline', 'Weighted pipeline',
		'Per open stage: <span class="key" style="background:#c6dbef"></span> open value and '
		  . '<span class="key" style="background:#08519c"></span> value weighted by the stage\'s win '
		  . 'probability (under the stage name); open deals on the right. View '
		  . '<code>dashboard.weighted_pipeline</code>.',
		svg(520, $y, 'Weighted pipeline', @body));
}

# 5. Win rate and cycle length per segment
{
	my @rows = view_rows('segment_performance');
	my $maxd = maxof(map { ($_->{median_cycle_days}, $_->{median_won_cycle_days}, $_->{avg_cycle_days}) } @rows);
	my @body;
	my $y = 22;
	push @body, qq{<text x="110" y="12" class="small">win rate (won ÷ closed)</text>};
	push @body, qq{<text x="620" y="12" class="small">median cycle: all closed / won deals</text>};
	for my $r (@rows)
	{
		push @body, datum('segment_performance', $r, 'segment');
		push @body, label(0, $y + 14, 'segment', $r->{segment}, class => 'stage');
		push @body, rect(110, $y, 200 * val($r->{win_rate_pct}) / 100, 20, '#2ca25f', "win rate $r->{win_rate_pct}%");
		push @body, rect(110 + 200 * val($r->{win_rate_pct}) / 100, $y, 200 * (1 - val($r->{win_rate_pct}) / 100), 20, '#fcbba1');
		push @body, label(116, $y + 14, 'win_rate_pct', pct($r->{win_rate_pct}), class => 'strong');
		push @body, qq{<text x="320" y="} . ($y + 9) . qq{" class="small"><tspan data-col="won">} . num($r->{won})
		  . qq{</tspan> won · <tspan data-col="lost">} . num($r->{lost}) . qq{</tspan> lost · }
		  . qq{<tspan data-col="open" class="open">} . num($r->{open}) . qq{</tspan> open</text>};
		push @body, qq{<text x="320" y="} . ($y + 23) . qq{" class="small">avg won deal <tspan data-col="avg_won_deal">}
		  . num($r->{avg_won_deal}) . qq{</tspan></text>};
		push @body, rect(620, $y, 220 * val($r->{median_cycle_days}) / $maxd, 9, '#9ecae1', "median cycle, closed deals");
		push @body, rect(620, $y + 11, 220 * val($r->{median_won_cycle_days}) / $maxd, 9, '#2ca25f', "median cycle, won deals");
		push @body, label(626 + 220 * val($r->{median_cycle_days}) / $maxd, $y + 8, 'median_cycle_days', days($r->{median_cycle_days}), class => 'small');
		push @body, label(626 + 220 * val($r->{median_won_cycle_days}) / $maxd, $y + 19, 'median_won_cycle_days', days($r->{median_won_cycle_days}), class => 'small');
		push @body, '</g>';
		$y += 36;
	}
	push @sections, section('chart-segments', 'segment_performance', 'Win rate and cycle length by segment',
		'Win rate counts closed deals only, so the deals still open are shown beside it. Cycle: days '
		  . 'from creation to close. View <code>dashboard.segment_performance</code> (rolled up from the '
		  . 'daily stored pipelines of <code>dashboard.pipeline_daily</code>).',
		svg(920, $y, 'Win rate and cycle length by segment', @body), 1);
}

# 6. Event funnel by campaign
{
	my @rows = view_rows('event_funnel');
	my (@campaigns, %seen);
	for (@rows) { push @campaigns, $_->{campaign} unless $seen{$_->{campaign}}++; }
	my @steps = map { $_->{step_name} } grep { $_->{campaign} eq $campaigns[0] } @rows;
	my $max = maxof(map { $_->{users} } @rows);
	my ($l, $bw, $bh) = (80, 330, 13);
	my @body;
	my $y = 8;
	for my $i (0 .. $#steps)
	{
		push @body, sprintf(qq{<text x="0" y="%.1f" class="stage">%s</text>}, $y + 24, esc($steps[$i]));
		for my $c (@campaigns)
		{
			my ($r) = grep { $_->{campaign} eq $c && $_->{step} == $i + 1 } @rows;
			next unless $r;
			my $w = $bw * val($r->{users}) / $max;
			push @body, datum('event_funnel', $r, qw(campaign step));
			push @body, rect($l, $y, $w, $bh, $campaign_color{$c} // $grey, "$c, $r->{step_name}: $r->{users} users");
			push @body, label($l + $w + 5, $y + 11, 'users', num($r->{users}), class => 'small');
			push @body, label($l + $w + 50, $y + 11, 'conversion_from_top_pct', pct($r->{conversion_from_top_pct}), class => 'small')
			  if $i > 0;
			push @body, '</g>';
			$y += $bh + 2;
		}
		$y += 10;
	}
	my $lx = $l;
	for my $c (@campaigns)
	{
		push @body, rect($lx, $y + 2, 10, 10, $campaign_color{$c} // $grey);
		push @body, sprintf(qq{<text x="%d" y="%d" class="small">%s</text>}, $lx + 14, $y + 11, esc($c));
		$lx += 100;
	}
	push @sections, section('chart-events', 'event_funnel', 'Event funnel by campaign',
		'Users who reached each step of visit → signup → trial → purchase within one hour of the '
		  . 'visit (<code>funnel.window_funnel</code>), and the share of the campaign\'s visitors. '
		  . 'View <code>dashboard.event_funnel</code>.',
		svg(520, $y + 16, 'Event funnel by campaign', @body));
}

# 7. Time to convert: one histogram per campaign
{
	my @rows = view_rows('time_to_convert');
	my (@campaigns, %seen);
	for (@rows) { push @campaigns, $_->{campaign} unless $seen{$_->{campaign}}++; }
	my $max = maxof(map { $_->{users} } @rows);
	my ($pw, $ph) = (170, 120);
	my @body;
	my $px = 0;
	for my $c (@campaigns)
	{
		my @r = grep { $_->{campaign} eq $c } @rows;
		my $bw = $pw / (@r || 1);
		push @body, sprintf(qq{<text x="%d" y="12" class="panel">%s</text>}, $px, esc($c));
		my $i = 0;
		for my $r (@r)
		{
			my $h = $ph * val($r->{users}) / $max;
			my $x = $px + $i * $bw;
			push @body, datum('time_to_convert', $r, qw(campaign minutes_from));
			push @body, rect($x + 1, 30 + $ph - $h, $bw - 2, $h, $campaign_color{$c} // $grey,
				"$c: $r->{users} users purchased $r->{minutes_from} to $r->{minutes_to} minutes after the visit");
			push @body, label($x + $bw / 2, 30 + $ph - $h - 3, 'users', num($r->{users}), anchor => 'middle', class => 'tiny');
			push @body, '</g>';
			$i++;
		}
		push @body, sprintf(qq{<text x="%d" y="%d" class="axis">0</text><text x="%d" y="%d" text-anchor="middle" class="axis">30</text><text x="%d" y="%d" text-anchor="end" class="axis">60 min</text>},
			$px, 30 + $ph + 13, $px + $pw / 2, 30 + $ph + 13, $px + $pw, 30 + $ph + 13);
		$px += $pw + 10;
	}
	push @sections, section('chart-time', 'time_to_convert', 'Time from visit to purchase',
		'Buyers per 5 minutes between their visit and their purchase (the fastest chain within the '
		  . 'hour, <code>funnel.window_funnel_times</code>). View <code>dashboard.time_to_convert</code>.',
		svg($px, 30 + $ph + 20, 'Time from visit to purchase', @body));
}

# 8. Retention by campaign
{
	my @rows = view_rows('retention');
	my (@campaigns, %seen);
	for (@rows) { push @campaigns, $_->{campaign} unless $seen{$_->{campaign}}++; }
	my ($ph, $bw) = (110, 34);
	my @body;
	my $px = 0;
	for my $c (@campaigns)
	{
		push @body, sprintf(qq{<text x="%d" y="12" class="panel">%s</text>}, $px, esc($c));
		my $i = 0;
		for my $r (grep { $_->{campaign} eq $c } @rows)
		{
			my $h = $ph * val($r->{retained_pct}) / 100;
			my $x = $px + $i * ($bw + 8);
			push @body, datum('retention', $r, qw(campaign day));
			push @body, rect($x, 34 + $ph - $h, $bw, $h, $campaign_color{$c} // $grey,
				"$c, day $r->{day}: $r->{users} users");
			push @body, label($x + $bw / 2, 34 + $ph - $h - 4, 'retained_pct', pct($r->{retained_pct}), anchor => 'middle', class => 'tiny');
			push @body, sprintf(qq{<text x="%.1f" y="%d" text-anchor="middle" class="axis">day <tspan data-col="day">%s</tspan></text>},
				$x + $bw / 2, 34 + $ph + 13, esc($r->{day}));
			push @body, '</g>';
			$i++;
		}
		$px += 3 * ($bw + 8) + 24;
	}
	push @sections, section('chart-retention', 'retention', 'Retention after the first visit',
		'Share of each campaign\'s visitors active again 1 and 2 days after the day of their first '
		  . 'visit (<code>funnel.retention</code>). View <code>dashboard.retention</code>.',
		svg($px, 34 + $ph + 20, 'Retention', @body));
}

# ---- the page -------------------------------------------------------------------------------------

my $db = $ENV{PGDATABASE} // 'funnel_demo';
open(my $fh, '>:encoding(UTF-8)', $out) or die "cannot write $out: $!\n";
print $fh <<"HTML";
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>funnel demo dashboard</title>
<style>
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0;
       background: #f4f5f7; color: #222; }
header { padding: 16px 24px 4px; }
h1 { font-size: 22px; margin: 0 0 4px; }
header p { margin: 0; color: #555; }
main { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; padding: 16px 24px 24px; }
.chart { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 12px 16px; }
.chart.wide { grid-column: 1 / -1; }
h2 { font-size: 16px; margin: 0 0 2px; }
.caption { color: #555; font-size: 12px; margin: 0 0 10px; }
.row { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.col { display: flex; gap: 12px; flex-wrap: wrap; }
svg { max-width: 100%; height: auto; overflow: visible; }
svg text { font-family: inherit; font-size: 12px; fill: #222; }
svg .small { font-size: 11px; fill: #444; }
svg .tiny { font-size: 9px; fill: #444; }
svg .axis { font-size: 10px; fill: #666; }
svg .panel { font-size: 12px; font-weight: 600; }
svg .stage { font-size: 12px; }
svg .onbar { fill: #fff; font-weight: 600; }
svg .ondark { fill: #08306b; font-weight: 600; }
svg .conv { font-weight: 600; }
svg .strong { font-size: 11px; font-weight: 600; }
svg .outcome { font-weight: 600; }
svg .open, svg tspan.open { fill: #6b6b6b; font-weight: 600; }
svg .grid { stroke: #e5e5e5; }
svg .line { fill: none; stroke-width: 2; }
code { font-size: 11px; background: #f0f0f0; padding: 0 3px; }
.key { display: inline-block; width: 10px; height: 10px; vertical-align: baseline; }
footer { padding: 0 24px 16px; color: #777; font-size: 12px; }
</style>
</head>
<body>
<header>
<h1>Sales and marketing funnel — demo dashboard</h1>
<p>Sample CRM: the deals created in 2025, as of 2025-12-31. Product events: the users of March 2025.
Every number is a row of a view in schema <code>dashboard</code> of database <code>@{[ esc($db) ]}</code>
(test/dashboard/views.sql), built with the <code>funnel</code> extension.</p>
</header>
<main>
HTML
print $fh @sections;
print $fh <<"HTML";
</main>
<footer>Written by test/dashboard/render.pl: plain HTML and SVG, nothing is fetched when the page is opened.</footer>
</body>
</html>
HTML
close $fh or die "cannot write $out: $!\n";
