#!/usr/bin/perl
# test/dashboard/browser.pl: the dashboard page in a real browser, checked against the views.
#
#   perl test/dashboard/browser.pl CHROMIUM PAGE.html OUTDIR
#
# Opens PAGE.html (written by render.pl from the views of database $PGDATABASE) in headless
# Chromium with a probe script appended to a copy of it; the probe reads the DOM the browser
# built and laid out (every chart, every bar or point with its data-* attributes, the text it
# shows and the size it was drawn at) and writes it into the page as JSON, which --dump-dom
# prints. The test then queries the same views itself (psql --csv) and checks that each chart
# is there and drawn, that every row of every view has exactly one bar or point, that its
# attributes are the row's values and that the numbers it shows are those values. Saves a
# screenshot of the page as OUTDIR/dashboard.png. Output: TAP.
use strict;
use warnings;
use utf8;
use JSON::PP;
use File::Temp qw(tempdir);

my ($chromium, $page, $outdir) = @ARGV;
die "usage: browser.pl CHROMIUM PAGE.html OUTDIR\n" unless $outdir;
binmode STDOUT, ':encoding(UTF-8)';

# the charts of the page: view => [section id, key columns]
my %charts = (
	funnel_stages       => ['chart-funnel',   [qw(segment stage)]],
	conversion_by_week  => ['chart-trend',    ['week']],
	pipeline_by_owner   => ['chart-owner',    [qw(owner stage)]],
	weighted_pipeline   => ['chart-weighted', ['stage']],
	segment_performance => ['chart-segments', ['segment']],
	event_funnel        => ['chart-events',   [qw(campaign step)]],
	time_to_convert     => ['chart-time',     [qw(campaign minutes_from)]],
	retention           => ['chart-retention', [qw(campaign day)]],
);

my ($n, $failed) = (0, 0);
my @lines;
sub ok
{
	my ($cond, $name, @diag) = @_;
	$n++;
	push @lines, ($cond ? "ok $n - $name" : "not ok $n - $name");
	push @lines, map { "# $_" } @diag unless $cond;
	$failed++ unless $cond;
	return $cond;
}

# Chromium with the flags this machine's closed network needs (without them it tries to reach
# Google's services and connections are refused) and a fresh profile each time
sub chromium
{
	my (@args) = @_;
	my $profile = tempdir('funnel-chromium.XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my @cmd = ($chromium, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
		'--no-first-run', '--disable-background-networking', '--disable-component-update',
		'--disable-sync', '--disable-dev-shm-usage', "--user-data-dir=$profile",
		'--hide-scrollbars', @args);
	my $pid = open(my $ph, '-|') // die "fork: $!";
	if (!$pid)
	{
		open(STDERR, '>', "$outdir/chromium.log") or die;
		exec('timeout', '120', @cmd) or die "cannot run $chromium: $!";
	}
	local $/;
	my $out = <$ph>;
	close $ph;
	return ($? >> 8, $out // '');
}

sub view_rows
{
	my ($view) = @_;
	open(my $ph, '-|:encoding(UTF-8)', 'psql', '-X', '-q', '--csv', '-v', 'ON_ERROR_STOP=1',
		'-c', "SELECT * FROM dashboard.$view") or die "psql: $!";
	local $/;
	my $csv = <$ph>;
	close($ph) or die "psql failed reading dashboard.$view\n";
	# the same small RFC 4180 reader as render.pl, written again so the test does not trust it
	my (@rec, @f);
	my $field = '';
	while (length $csv)
	{
		if ($csv =~ s/^"((?:[^"]|"")*)"//) { ($field .= $1) =~ s/""/"/g; }
		elsif ($csv =~ s/^,//) { push @f, $field; $field = ''; }
		elsif ($csv =~ s/^\r?\n//) { push @f, $field; push @rec, [@f]; @f = (); $field = ''; }
		elsif ($csv =~ s/^([^",\r\n]+)//) { $field .= $1; }
		else { die "bad CSV from psql\n"; }
	}
	push @rec, [@f, $field] if @f || $field ne '';
	my $head = shift @rec;
	return map { my %r; @r{@$head} = @$_; \%r } @rec;
}

# what a label shows, back to the value as PostgreSQL printed it
sub shown_value
{
	my ($t) = @_;
	$t =~ s/^\s+|\s+$//g;
	return '' if $t eq 'n/a' || $t eq 'entry';
	$t =~ s/^\((.*)\)$/$1/;
	$t =~ s/,//g;
	$t =~ s/%$//;
	$t =~ s/ d$//;
	return $t;
}

mkdir $outdir;
open(my $in, '<:encoding(UTF-8)', $page) or die "cannot read $page: $!\n";
my $html = do { local $/; <$in> };
close $in;

# 1. self-contained: nothing on the page refers to another file or address
my @refs = $html =~ /((?:\bsrc|\bhref)\s*=\s*["'][^"']*["']|url\s*\(|\@import|<link\b|<script\b|<iframe\b|<img\b)/gi;
ok(!@refs, 'the page refers to no other file, script, stylesheet, font or address', "found: @refs");

# 2. the page in Chromium: the probe reads the DOM the browser built and laid out
my $probe = <<'JS';
<script>
(function () {
  var out = { charts: [], data: [], height: document.documentElement.scrollHeight };
  document.querySelectorAll('section.chart').forEach(function (s) {
    var r = s.getBoundingClientRect(), svgs = s.querySelectorAll('svg'), drawn = 0;
    svgs.forEach(function (v) { var b = v.getBoundingClientRect(); if (b.width > 0 && b.height > 0) drawn++; });
    out.charts.push({ id: s.id, view: s.getAttribute('data-view'), width: r.width, height: r.height,
                      svgs: svgs.length, drawn: drawn, title: (s.querySelector('h2') || {}).textContent });
  });
  document.querySelectorAll('g.datum').forEach(function (g) {
    var d = { view: g.getAttribute('data-view'), key: g.getAttribute('data-key'), attrs: {}, texts: [], rects: [] };
    Array.prototype.forEach.call(g.attributes, function (a) {
      if (a.name.indexOf('data-') === 0 && a.name !== 'data-view' && a.name !== 'data-key')
        d.attrs[a.name.slice(5).replace(/-/g, '_')] = a.value;
    });
    g.querySelectorAll('[data-col]').forEach(function (t) {
      var b = t.getBoundingClientRect();
      d.texts.push({ col: t.getAttribute('data-col'), text: t.textContent, w: b.width, h: b.height });
    });
    g.querySelectorAll('rect').forEach(function (r) { var b = r.getBoundingClientRect(); d.rects.push([b.width, b.height]); });
    out.data.push(d);
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
JS
(my $probed = $html) =~ s{</body>}{$probe</body>};
open(my $pf, '>:encoding(UTF-8)', "$outdir/probe.html") or die;
print $pf $probed;
close $pf;
my ($rc, $dom) = chromium('--window-size=1280,2400', '--dump-dom', "file://$outdir/probe.html");
my $data;
if ($dom =~ m{<pre id="probe">(.*?)</pre>}s)
{
	my $j = $1;
	$j =~ s/&lt;/</g; $j =~ s/&gt;/>/g; $j =~ s/&quot;/"/g; $j =~ s/&#39;/'/g; $j =~ s/&nbsp;/\x{a0}/g; $j =~ s/&amp;/&/g;
	$data = eval { JSON::PP->new->utf8(0)->decode($j) };
}
if (!ok($data, 'Chromium loaded the page and the probe read its DOM', "chromium exit $rc; see $outdir/chromium.log"))
{
	print "1..$n\n", map { "$_\n" } @lines;
	exit 1;
}

# 3. every chart present and drawn
my %chart_by_id = map { $_->{id} => $_ } @{ $data->{charts} };
for my $view (sort keys %charts)
{
	my $c = $chart_by_id{ $charts{$view}[0] };
	ok($c && $c->{view} eq $view && $c->{svgs} > 0 && $c->{drawn} == $c->{svgs} && $c->{width} > 200 && $c->{height} > 100,
		"chart $charts{$view}[0] ($view) is on the page and drawn",
		$c ? "width $c->{width}, height $c->{height}, svgs $c->{svgs}, drawn $c->{drawn}" : 'missing');
}

# 4. every row of every view is one bar or point showing the row's values
for my $view (sort keys %charts)
{
	my @rows = view_rows($view);
	my @keycols = @{ $charts{$view}[1] };
	my %datum;
	my @dup;
	for my $d (grep { $_->{view} eq $view } @{ $data->{data} })
	{
		push @dup, $d->{key} if $datum{ $d->{key} };
		$datum{ $d->{key} } = $d;
	}
	my @problems;
	push @problems, "keys shown twice: @dup" if @dup;
	push @problems, sprintf('%d rows in the view, %d on the page', scalar @rows, scalar keys %datum)
	  if @rows != keys %datum;
	my ($texts, $values) = (0, 0);
	for my $r (@rows)
	{
		my $key = join '|', map { $r->{$_} } @keycols;
		my $d = $datum{$key};
		if (!$d) { push @problems, "row $key is not on the page"; next; }
		for my $col (sort keys %$r)
		{
			$values++;
			my $got = $d->{attrs}{$col};
			push @problems, "$key: $col is " . ($got // 'missing') . " on the page, '$r->{$col}' in the view"
			  unless defined $got && $got eq $r->{$col};
		}
		for my $t (@{ $d->{texts} })
		{
			$texts++;
			my $col = $t->{col};
			if (!exists $r->{$col}) { push @problems, "$key: label of unknown column $col"; next; }
			push @problems, "$key: $col shows '$t->{text}', the view says '$r->{$col}'"
			  unless shown_value($t->{text}) eq $r->{$col};
			push @problems, "$key: label of $col is not drawn" unless $t->{w} > 0 && $t->{h} > 0;
		}
		push @problems, "$key: shows no number" unless @{ $d->{texts} } || @{ $d->{rects} };
		push @problems, "$key: no bar drawn" if @{ $d->{rects} } && !grep { $_->[0] > 0 && $_->[1] > 0 } @{ $d->{rects} }
		  and grep { /^\d/ && $_ > 0 } map { $r->{$_} } grep { /(reached|deals|users|open_value|leads|win_rate_pct|retained_pct)$/ } keys %$r;
	}
	splice(@problems, 12, @problems - 12, '... (' . (@problems - 12) . ' more)') if @problems > 12;
	ok(!@problems, sprintf('%s: %d rows, %d values and %d labels on the page equal the view', $view,
			scalar @rows, $values, $texts), @problems);
}

# 5. the screenshot (of the page as written, without the probe)
unlink "$outdir/dashboard.png";
# as tall as the page was laid out (the probe's <pre> came after it)
my $height = ($data->{height} && $data->{height} =~ /^\d+$/ && $data->{height} < 20000) ? $data->{height} : 2400;
($rc) = chromium("--window-size=1280,$height", "--screenshot=$outdir/dashboard.png", "file://$page");
my $magic = '';
if (open(my $png, '<:raw', "$outdir/dashboard.png")) { read($png, $magic, 8); close $png; }
ok($magic eq "\x89PNG\r\n\x1a\n" && -s "$outdir/dashboard.png" > 10000,
	"screenshot saved as $outdir/dashboard.png", "chromium exit $rc; see $outdir/chromium.log");

print "1..$n\n", map { "$_\n" } @lines;
exit($failed ? 1 : 0);
